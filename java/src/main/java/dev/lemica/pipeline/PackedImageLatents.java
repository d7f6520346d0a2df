package dev.lemica.pipeline;

import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.SchedulerConfig;
import dev.lemica.sampling.Schedulers;
import dev.lemica.vae.LatentPacking;
import dev.lemica.vae.VideoAutoencoder;
import org.bytedeco.pytorch.Tensor;

/**
 * What FluxPipeline and QwenImagePipeline do alike around their transformers (the same lines in
 * both files): an H × W image is a VAE latent (C, H/f, W/f) packed 2×2 into (H/2f)·(W/2f) tokens of
 * 4C channels ({@link LatentPacking}); the scheduler gets sigmas linspace(1, 1/N, N) and, for its
 * dynamic shift, that token count; the final tokens are unpacked and decoded as a one-frame video.
 *
 * <p>diffusers only warns about a size that is not a multiple of 2f and floors it, so the image comes
 * out smaller than asked; here such a size is refused, as the Wan pipeline refuses its own.
 */
public final class PackedImageLatents {
  /** Both pipelines' default_sample_size: the default image is 128·f pixels square (1024 for f = 8). */
  public static final int DEFAULT_SAMPLE_SIZE = 128;

  private final String pipeline;
  private final int vaeScaleFactor;
  private final int inChannels;

  /**
   * @param pipeline the pipeline class, for messages
   * @param vaeScaleFactor pixels per latent pixel (the pipelines' vae_scale_factor)
   * @param inChannels the transformer's in_channels: 4 × the VAE's latent channels
   * @param vaeLatentChannels the VAE's latent channels, checked against {@code inChannels}
   * @param vaeConfig the VAE config file, named when the two disagree
   */
  public PackedImageLatents(String pipeline, int vaeScaleFactor, int inChannels, int vaeLatentChannels, java.nio.file.Path vaeConfig) {
    if (inChannels != 4 * vaeLatentChannels) {
      throw new IllegalArgumentException(
          vaeConfig + ": " + vaeLatentChannels + " latent channels, but the transformer's in_channels " + inChannels
              + " packs 2x2 patches of " + inChannels / 4.0 + " channels");
    }
    this.pipeline = pipeline;
    this.vaeScaleFactor = vaeScaleFactor;
    this.inChannels = inChannels;
  }

  public int vaeScaleFactor() {
    return vaeScaleFactor;
  }

  /** The requested height and width (default 128·f each), positive multiples of 2f; frames must be 1 or unset. */
  public int[] size(GenerationRequest r, java.nio.file.Path folder) {
    int fallback = DEFAULT_SAMPLE_SIZE * vaeScaleFactor;
    int height = r.height() != null ? r.height() : fallback;
    int width = r.width() != null ? r.width() : fallback;
    int multiple = 2 * vaeScaleFactor;
    if (height <= 0 || width <= 0 || height % multiple != 0 || width % multiple != 0) {
      throw new IllegalArgumentException(
          "--height " + height + " --width " + width + ": must be positive multiples of " + multiple + " (the VAE's factor "
              + vaeScaleFactor + " times the 2x2 packing) for " + folder);
    }
    if (r.frames() != null && r.frames() != 1) {
      throw new IllegalArgumentException("--frames " + r.frames() + ": " + pipeline + " makes images (1 frame)");
    }
    return new int[] {height, width};
  }

  /**
   * The static shift in effect: NaN when the scheduler derives it from the image size (then --shift
   * is refused: it would not be used), else --shift or the config's.
   */
  public double shift(GenerationRequest r, SchedulerConfig scheduler) {
    if (Schedulers.shiftsDynamically(scheduler)) {
      if (r.shift() != null) {
        throw scheduler.fault("--shift: use_dynamic_shifting is true, so " + pipeline + " derives the shift from the image size");
      }
      return Double.NaN;
    }
    return r.shift() != null ? r.shift() : Schedulers.shiftOf(scheduler);
  }

  /** Token rows and columns: (H/2f, W/2f). */
  public long[] grid(GenerationSettings s) {
    return new long[] {s.height() / (2L * vaeScaleFactor), s.width() / (2L * vaeScaleFactor)};
  }

  /** (B, tokens, in_channels): the packed initial noise. */
  public long[] noiseShape(GenerationSettings s) {
    long[] grid = grid(s);
    return new long[] {s.batch(), grid[0] * grid[1], inChannels};
  }

  /** The folder's scheduler as the pipelines set it: sigmas linspace(1, 1/N, N), mu from the token count. */
  public Sampler sampler(SchedulerConfig scheduler, GenerationSettings s) {
    SchedulerConfig config = scheduler;
    if (!Double.isNaN(s.shift()) && s.shift() != Schedulers.shiftOf(scheduler)) {
      config = Schedulers.withShift(scheduler, s.shift());
    }
    long[] grid = grid(s);
    SamplingContext context =
        SamplingContext.NONE.withImageSeqLen((int) (grid[0] * grid[1])).withSigmas(SamplingContext.decreasingToOneOverN(s.steps()));
    return Schedulers.fromConfig(config, s.steps(), context);
  }

  /** Final tokens → images as one-frame videos (B, 3, 1, H, W) float32: _unpack_latents, then the VAE's de-normalisation and decode. */
  public Tensor decode(VideoAutoencoder vae, Tensor latents, GenerationSettings s) {
    Tensor unpacked = LatentPacking.unpack(latents, s.height(), s.width(), vaeScaleFactor);
    return vae.decodeNormalizedImage(unpacked).unsqueeze(2);
  }
}
