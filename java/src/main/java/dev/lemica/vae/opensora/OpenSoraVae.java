package dev.lemica.vae.opensora;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.WeightLoader;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.VaeObserver;
import dev.lemica.vae.VaeTensors;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.kl.AutoencoderKL;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Open-Sora 1.2's video VAE, {@code VideoAutoencoderPipeline} (v1.2.0, {@code OpenSoraVAE_V1_2}): a
 * diffusers {@code AutoencoderKL} applied to every frame (the spatial VAE, 8× in height and width;
 * Open-Sora pins diffusers 0.27.2, whose AutoencoderKL computes what main's does) followed by
 * Open-Sora's own {@link TemporalVae temporal VAE} (4× in time, causal 3D convolutions), loaded from
 * the release's single {@code model.safetensors} ({@code spatial_vae.module.*}, {@code temporal_vae.*},
 * {@code scale}, {@code shift}) and its {@code config.json}.
 *
 * <p>Decoding: {@code z · scale + shift}; the temporal VAE on each micro-chunk of {@code micro_z} latent
 * frames (5 for the release's {@code micro_frame_size} 17), independently, each cropped to its share
 * of the frame count asked for; then the spatial VAE on {@code x_z / 0.18215} (a constant of
 * Open-Sora's, not the spatial config's {@code scaling_factor}), {@code micro_batch_size} frames per
 * call. The output is not clamped (Open-Sora clamps when saving). The frame count must be given
 * ({@link #decode(Tensor, long)}): latents of T frames decode to any count in [{@link
 * #fewestVideoFrames}, {@link #videoFrames}] (7 latent frames: 22 to 25); {@link #decode(Tensor)}
 * gives the most.
 *
 * <p>Encoding is stochastic in the original (two posterior {@code sample()} calls): {@link #encode}
 * is the posterior of the temporal VAE over the spatial posterior means (no noise in the spatial
 * stage), and {@link #encodeSampled} reproduces the sampled path from given noise. Both stages work on
 * micro-chunks of {@code micro_frame_size} frames, each temporal chunk padded in front with zero frames
 * to a multiple of 4.
 */
public final class OpenSoraVae implements VideoAutoencoder {
  /** The spatial latents' fixed scaling in Open-Sora's {@code VideoAutoencoderKL}. */
  static final double SPATIAL_SCALE = 0.18215;

  /** {@code vae_2d.from_pretrained} of the release, whose {@code vae/config.json} is bundled. */
  static final String RELEASE_SPATIAL_VAE = "PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers";

  private final OpenSoraVaeConfig config;
  private final WeightLoader weights;
  private final AutoencoderKL spatial;
  private final TemporalVae temporal;
  private final MicroFrames micro;
  private final Tensor scale;
  private final Tensor shift;
  /** Whether scale and shift are ours (from the config) rather than the weight loader's. */
  private final boolean ownStatistics;

  public OpenSoraVae(OpenSoraVaeConfig config, ModelConfig spatialConfig, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    spatial = AutoencoderKL.load(spatialConfig, weights.under("spatial_vae.module."));
    if (spatial.latentChannels() != config.temporal().inOutChannels()) {
      throw new IllegalArgumentException(
          config.file() + ": vae_temporal takes " + config.temporal().inOutChannels() + " channels but the spatial VAE ("
              + spatialConfig.file() + ") makes " + spatial.latentChannels());
    }
    temporal = new TemporalVae(weights, "temporal_vae", config.temporal());
    micro = new MicroFrames(config.microFrameSize(), config.temporal());
    ownStatistics = weights.madeUp();
    scale = statistic("scale", config.scale());
    shift = statistic("shift", config.shift());
  }

  /** The VAE {@code config} describes, its spatial config found as {@code vae_2d} says, with weights from {@code weights} (which it then owns). */
  public static OpenSoraVae load(ModelConfig config, WeightLoader weights) {
    OpenSoraVaeConfig c = OpenSoraVaeConfig.from(config);
    return new OpenSoraVae(c, spatialConfig(c), weights);
  }

  /**
   * The spatial VAE's diffusers config: {@code <from_pretrained>/<subfolder>/config.json} next to this
   * config, or the bundled copy for the release's {@code PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers}.
   */
  public static ModelConfig spatialConfig(OpenSoraVaeConfig c) {
    Path parent = c.file().toAbsolutePath().getParent();
    if (parent != null) {
      Path local = parent.resolve(c.spatialFrom()).resolve(c.spatialSubfolder()).resolve("config.json").normalize();
      if (Files.isRegularFile(local)) {
        return ModelConfig.read(local);
      }
    }
    if (c.spatialFrom().equals(RELEASE_SPATIAL_VAE) && c.spatialSubfolder().equals("vae")) {
      String resource = "/dev/lemica/presets/opensora/pixart_sigma_sdxlvae_T5_diffusers-vae.json";
      try (InputStream in = OpenSoraVae.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("resource " + resource + " is missing from the build");
        }
        return ModelConfig.parse(in.readAllBytes(), Path.of(RELEASE_SPATIAL_VAE + "/vae/config.json (bundled)"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalArgumentException(
        c.file() + ": vae_2d.from_pretrained '" + c.spatialFrom() + "' (subfolder '" + c.spatialSubfolder()
            + "') is no folder with a config.json next to this file, nor " + RELEASE_SPATIAL_VAE + " (whose config is bundled)");
  }

  /**
   * A buffer of the pipeline's: the checkpoint's (which Open-Sora's loading puts over the config's),
   * or the config's values when the weights are made up; (1, C, 1, 1, 1) or a scalar, float32.
   */
  private Tensor statistic(String name, float[] values) {
    long[] shape = values.length == 1 ? new long[0] : new long[] {1, values.length, 1, 1, 1};
    if (ownStatistics) {
      Tensor t = Tensors.fromFloats(values, shape).to(target().device(), ScalarType.Float);
      t.retainReference();
      return t;
    }
    return weights.loadFloat32(name, shape);
  }

  public OpenSoraVaeConfig config() {
    return config;
  }

  /** The spatial VAE (diffusers' AutoencoderKL on every frame). */
  public AutoencoderKL spatial() {
    return spatial;
  }

  @Override
  public String className() {
    return OpenSoraVaeConfig.ARCHITECTURE;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int latentChannels() {
    return config.temporal().embedDim();
  }

  @Override
  public int temporalFactor() {
    return config.temporal().timeDownsampleFactor();
  }

  @Override
  public int spatialFactor() {
    return spatial.spatialFactor();
  }

  /** The most frames the latent frames decode to (no crop in the last micro-chunk): {@code 17·(T div 5) + 4·(T mod 5)} for the release. */
  @Override
  public long videoFrames(long latentFrames) {
    return micro.frameRange(latentFrames)[1];
  }

  /** The fewest: {@code 17·(T div 5) + 4·(T mod 5) − 3} when T mod 5 > 0, for the release. */
  @Override
  public long fewestVideoFrames(long latentFrames) {
    return micro.frameRange(latentFrames)[0];
  }

  /** The latent frames a video of {@code frames} frames encodes to (the pipeline's {@code get_latent_size}). */
  public long latentFrames(long frames) {
    return micro.latentFrames(frames);
  }

  /** {@code z · scale + shift}, scale and shift cast to the compute dtype, as {@code VideoAutoencoderPipeline.decode} does. */
  @Override
  public Tensor denormalize(Tensor latents) {
    checkLatents(latents);
    Tensor z = onDevice(latents);
    return z.mul(scale.to(z.scalar_type())).add(shift.to(z.scalar_type()));
  }

  /** {@code (z − shift) / scale} with the float32 buffers, as {@code VideoAutoencoderPipeline.encode} returns it (float32). */
  @Override
  public Tensor normalize(Tensor latents) {
    checkLatents(latents);
    return onDevice(latents).sub(shift).div(scale);
  }

  @Override
  public Tensor decode(Tensor latents) {
    checkLatents(latents);
    return decode(latents, videoFrames(latents.size(2)), VaeObserver.NONE);
  }

  @Override
  public Tensor decode(Tensor latents, long frames) {
    return decode(latents, frames, VaeObserver.NONE);
  }

  /**
   * {@link #decode(Tensor, long)}, showing {@code decode.temporal_decoder_out.chunk<i>} (each micro-chunk's
   * temporal decode before its crop) and {@code decode.x_z} (the spatial latents) to {@code observer}.
   */
  public Tensor decode(Tensor latents, long frames, VaeObserver observer) {
    checkLatents(latents);
    checkFrameCount(latents.size(2), frames);
    long b = latents.size(0);
    PointerScope caller = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      Tensor z = onDevice(latents);
      Tensor xz = VaeTensors.empty(target(), new long[] {b, config.temporal().inOutChannels(), frames, latents.size(3), latents.size(4)}, target().dtype());
      List<MicroFrames.Chunk> chunks = micro.decode(latents.size(2), frames);
      for (int i = 0; i < chunks.size(); i++) {
        MicroFrames.Chunk c = chunks.get(i);
        try (PointerScope chunk = new PointerScope()) {
          Tensor uncropped = temporal.decodeUncropped(z.narrow(2, c.latentStart(), c.latentLength()));
          observer.observe("decode.temporal_decoder_out.chunk" + i, uncropped);
          Tensor cropped = temporal.crop(uncropped, c.frames());
          VaeTensors.checkFits(cropped, c.frameStart(), frames, "temporally decoded", config.file());
          xz.narrow(2, c.frameStart(), cropped.size(2)).copy_(cropped);
        }
      }
      observer.observe("decode.x_z", xz);
      Tensor video = spatial.decode(xz.div(new Scalar(SPATIAL_SCALE)), framesPerSpatialCall(b * frames));
      video.retainReference();
      return handOut(caller, video);
    }
  }

  /** The posterior of the temporal VAE over the spatial posterior means: raw latents (B, C, T, h, w), float32. */
  @Override
  public DiagonalGaussian encode(Tensor video) {
    return encode(video, VaeObserver.NONE);
  }

  /** {@link #encode}, showing {@code encode.x_z_mode} (the spatial means · 0.18215) to {@code observer}. */
  public DiagonalGaussian encode(Tensor video, VaeObserver observer) {
    checkVideo(video);
    PointerScope caller = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      DiagonalGaussian s = spatialPosterior(video);
      Tensor xz = onDevice(s.mean()).mul(new Scalar(SPATIAL_SCALE));
      observer.observe("encode.x_z_mode", xz);
      DiagonalGaussian posterior = temporalPosterior(xz);
      posterior.mean().retainReference();
      posterior.logvar().retainReference();
      return new DiagonalGaussian(handOut(caller, posterior.mean()), handOut(caller, posterior.logvar()));
    }
  }

  /**
   * {@code VideoAutoencoderPipeline.encode} with its two {@code sample()} calls' noise given: the
   * spatial latents {@code (mean + std · spatialNoise) · 0.18215} per frame, the temporal latents
   * {@code mean + std · temporalNoise}, returned normalised, {@code (z − shift) / scale}, as the
   * pipeline returns them (float32).
   *
   * @param spatialNoise standard normal ((B·F), C, h, w), frame index {@code b·F + f}, as the spatial
   *     micro-batches draw it in order
   * @param temporalNoise standard normal (B, C, T, h, w), the micro-chunks' draws concatenated in time
   */
  public Tensor encodeSampled(Tensor video, Tensor spatialNoise, Tensor temporalNoise) {
    checkVideo(video);
    long b = video.size(0);
    long f = video.size(2);
    PointerScope caller = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      DiagonalGaussian s = spatialPosterior(video);
      long[] shape = Tensors.shape(s.mean());
      if (spatialNoise.dim() != 4 || spatialNoise.size(0) != b * f || spatialNoise.size(1) != shape[1]
          || spatialNoise.size(2) != shape[3] || spatialNoise.size(3) != shape[4]) {
        throw new IllegalArgumentException(
            "spatial noise " + Tensors.shapeString(spatialNoise) + ": expected ((B·F)=" + (b * f) + ", " + shape[1] + ", " + shape[3] + ", " + shape[4] + ")");
      }
      Tensor frameNoise = onDevice(spatialNoise).to(ScalarType.Float).reshape(b, f, shape[1], shape[3], shape[4]).permute(0, 2, 1, 3, 4);
      Tensor xz = onDevice(s.sample(frameNoise).mul_(new Scalar(SPATIAL_SCALE)));
      DiagonalGaussian t = temporalPosterior(xz);
      if (!Tensors.sameShape(temporalNoise, t.mean())) {
        throw new IllegalArgumentException(
            "temporal noise " + Tensors.shapeString(temporalNoise) + ": expected " + Tensors.shapeString(t.mean()));
      }
      Tensor z = t.sample(onDevice(temporalNoise).to(ScalarType.Float));
      Tensor normalized = z.sub(shift).div(scale);
      normalized.retainReference();
      return handOut(caller, normalized);
    }
  }

  /** The spatial posterior of every frame, {@code micro_batch_size} frames per call: (B, C, F, h, w), float32. */
  private DiagonalGaussian spatialPosterior(Tensor video) {
    return spatial.encode(video, framesPerSpatialCall(video.size(0) * video.size(2)), VaeObserver.NONE);
  }

  /** The temporal VAE on each micro-chunk of the spatial latents {@code xz}, posteriors concatenated in time (float32). */
  private DiagonalGaussian temporalPosterior(Tensor xz) {
    long frames = xz.size(2);
    int c = latentChannels();
    long[] shape = {xz.size(0), c, micro.latentFrames(frames), xz.size(3), xz.size(4)};
    Tensor mean = VaeTensors.empty(target(), shape, ScalarType.Float);
    Tensor logvar = VaeTensors.empty(target(), shape, ScalarType.Float);
    for (MicroFrames.Chunk chunk : micro.encode(frames)) {
      try (PointerScope scope = new PointerScope()) {
        DiagonalGaussian p = temporal.encode(onDevice(xz.narrow(2, chunk.frameStart(), chunk.frames())));
        VaeTensors.checkFits(p.mean(), chunk.latentStart(), shape[2], "encoded", config.file());
        mean.narrow(2, chunk.latentStart(), p.mean().size(2)).copy_(p.mean());
        logvar.narrow(2, chunk.latentStart(), p.logvar().size(2)).copy_(p.logvar());
      }
    }
    return new DiagonalGaussian(mean, logvar);
  }

  private int framesPerSpatialCall(long frames) {
    return config.microBatchSize() > 0 ? config.microBatchSize() : (int) Math.min(Integer.MAX_VALUE, frames);
  }

  /** Moves the reference held on {@code t} (retained inside an inner scope) to the caller's scope, if there is one. */
  private static Tensor handOut(PointerScope caller, Tensor t) {
    if (caller != null) {
      caller.attach(t);
      t.releaseReference();
    }
    return t;
  }

  private void checkLatents(Tensor latents) {
    int c = latentChannels();
    if (latents.dim() != 5 || latents.size(1) != c || latents.size(0) < 1 || latents.size(2) < 1 || latents.size(3) < 1 || latents.size(4) < 1) {
      throw new IllegalArgumentException(
          "latents " + Tensors.shapeString(latents) + ": " + className() + " expects (B, " + c + ", T, h, w), embed_dim="
              + c + " in " + config.file());
    }
  }

  private void checkVideo(Tensor video) {
    int in = spatial.config().inChannels();
    VaeTensors.checkVideo(video, className(), in, spatialFactor(), "in_channels=" + in + " in " + spatial.config().file());
  }

  private Tensor onDevice(Tensor t) {
    return VaeTensors.onDevice(target(), t);
  }

  @Override
  public void close() {
    if (ownStatistics) {
      scale.releaseReference();
      shift.releaseReference();
    }
    weights.close();
  }
}
