package dev.lemica.vae.opensora;

import java.util.ArrayList;
import java.util.List;

/**
 * How Open-Sora's {@code VideoAutoencoderPipeline} cuts a video into the micro-chunks its temporal VAE
 * codes independently: video frames in chunks of {@code micro_frame_size} (M; the last one shorter),
 * latent frames in chunks of {@code micro_z = ceil(M / f)} (f the time downsampling factor). With
 * {@code micro_frame_size} null (M = 0 here) the whole video is one chunk.
 */
final class MicroFrames {
  /** One chunk: latent frames [latentStart, latentStart + latentLength), decoded to {@code frames} frames. */
  record Chunk(long latentStart, long latentLength, long frameStart, long frames) {}

  private final int microFrameSize;
  private final TemporalVaeConfig temporal;

  MicroFrames(int microFrameSize, TemporalVaeConfig temporal) {
    this.microFrameSize = microFrameSize;
    this.temporal = temporal;
  }

  /** The pipeline's {@code get_latent_size} in time: {@code micro_z · (F div M) + ceil((F mod M) / f)}. */
  long latentFrames(long frames) {
    if (microFrameSize == 0) {
      return temporal.latentFrames(frames);
    }
    return (frames / microFrameSize) * temporal.latentFrames(microFrameSize) + temporal.latentFrames(frames % microFrameSize);
  }

  /**
   * The frame counts that encode to {@code latentFrames} latent frames, [fewest, most]: the counts a
   * decode of them can be asked for (others would not give the frames asked for). Empty (fewest >
   * most) when none does.
   */
  long[] frameRange(long latentFrames) {
    long fewest = Long.MAX_VALUE;
    long most = -1;
    long limit = (long) temporal.timeDownsampleFactor() * latentFrames + Math.max(microFrameSize, 1);
    for (long frames = 1; frames <= limit; frames++) {
      if (latentFrames(frames) == latentFrames) {
        fewest = Math.min(fewest, frames);
        most = frames;
      }
    }
    return new long[] {fewest, most};
  }

  /**
   * The decode chunks of {@code latentFrames} latent frames for a {@code frames}-frame video, as
   * {@code VideoAutoencoderPipeline.decode}: latent chunks of micro_z, the frame count of chunk i
   * {@code min(M, frames − i·M)}.
   */
  List<Chunk> decode(long latentFrames, long frames) {
    List<Chunk> chunks = new ArrayList<>();
    if (microFrameSize == 0) {
      chunks.add(new Chunk(0, latentFrames, 0, frames));
      return chunks;
    }
    long microLatent = temporal.latentFrames(microFrameSize);
    long left = frames;
    for (long start = 0; start < latentFrames; start += microLatent) {
      long count = Math.min(microFrameSize, left);
      chunks.add(new Chunk(start, Math.min(microLatent, latentFrames - start), frames - left, count));
      left -= microFrameSize;
    }
    return chunks;
  }

  /** The encode chunks of a {@code frames}-frame video: frames [i·M, min((i + 1)·M, F)). */
  List<Chunk> encode(long frames) {
    List<Chunk> chunks = new ArrayList<>();
    long size = microFrameSize == 0 ? frames : microFrameSize;
    long latentStart = 0;
    for (long start = 0; start < frames; start += size) {
      long count = Math.min(size, frames - start);
      long latent = temporal.latentFrames(count);
      chunks.add(new Chunk(latentStart, latent, start, count));
      latentStart += latent;
    }
    return chunks;
  }
}
