package dev.lemica.vae.cogvideox;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@code AutoencoderKLCogVideoX._decode} and {@code _encode} split a video's frames into the
 * groups the decoder and encoder run on: {@code max(F / n, 1)} groups of n frames, the remainder
 * {@code F mod n} folded into the first group (5 latent frames in groups of 2: [0, 3), [3, 5)). The
 * VAE was trained this way; other groupings change the GroupNorm statistics and the frame counts.
 */
final class FrameGroups {
  /** diffusers' {@code num_latent_frames_batch_size}. */
  static final int DECODE = 2;
  /** diffusers' {@code num_sample_frames_batch_size}. */
  static final int ENCODE = 8;

  private FrameGroups() {}

  /** [start, end) of each group of {@code frames} frames in groups of {@code size}. */
  static List<long[]> of(long frames, int size) {
    long groups = Math.max(frames / size, 1);
    long remainder = frames % size;
    List<long[]> out = new ArrayList<>();
    for (long i = 0; i < groups; i++) {
      long start = size * i + (i == 0 ? 0 : remainder);
      long end = Math.min(size * (i + 1) + remainder, frames);
      out.add(new long[] {start, end});
    }
    return out;
  }
}
