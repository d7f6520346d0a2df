package dev.lemica.vae.kl;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Conv2d;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.VaeObserver;
import dev.lemica.vae.VideoAutoencoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * diffusers' {@code AutoencoderKL}, the 2D image VAE of Stable Diffusion, FLUX.1 and Latte, with its
 * parameter names so a pipeline's {@code vae/} folder loads unchanged. An image VAE in the video
 * interface: every frame of a (B, C, F, H, W) video is coded on its own ({@code temporalFactor} 1),
 * and an image is a one-frame video (the {@code *Image} methods of {@link VideoAutoencoder}).
 *
 * <p>Frames are flattened batch-major ({@code b·F + f}) and run through the network {@code
 * framesPerCall} at a time, as LattePipeline's {@code decode_latents} runs its {@code
 * decode_chunk_size}: the last call may be partial and a call may straddle two videos. Frames never
 * interact (GroupNorm statistics are per sample), so the call size changes memory and speed, not the
 * numbers. Each call runs in its own {@code PointerScope} and writes into one preallocated output.
 *
 * <p>The pipelines' latent spaces: FLUX.1 normalises with {@code scaling_factor} and {@code
 * shift_factor}, SD / Latte with {@code scaling_factor} alone (see {@link #denormalize}). No clamp
 * after decoding, as in diffusers; the pipelines' postprocessing clamps.
 */
public final class AutoencoderKL implements VideoAutoencoder {
  public static final String CLASS_NAME = "AutoencoderKL";

  /**
   * Frames per network call when none is given: one, so memory does not grow with the batch or the
   * frame count (one 1024×1024 FLUX image already keeps the GPU busy).
   */
  public static final int DEFAULT_FRAMES_PER_CALL = 1;

  private final AutoencoderKLConfig config;
  private final WeightLoader weights;
  private final KlEncoder encoder;
  private final KlDecoder decoder;
  private final Conv2d quantConv;
  private final Conv2d postQuantConv;

  public AutoencoderKL(AutoencoderKLConfig config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    int z = config.latentChannels();
    encoder = new KlEncoder(weights, config);
    quantConv = config.useQuantConv() ? KlVaeLayers.pointwise(weights, "quant_conv", 2L * z, 2L * z) : null;
    postQuantConv = config.usePostQuantConv() ? KlVaeLayers.pointwise(weights, "post_quant_conv", z, z) : null;
    decoder = new KlDecoder(weights, config);
  }

  /** The VAE a config describes, with weights from {@code weights} (which it then owns). */
  public static AutoencoderKL load(ModelConfig config, WeightLoader weights) {
    return new AutoencoderKL(AutoencoderKLConfig.from(config), weights);
  }

  public AutoencoderKLConfig config() {
    return config;
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int latentChannels() {
    return config.latentChannels();
  }

  @Override
  public int temporalFactor() {
    return 1;
  }

  @Override
  public int spatialFactor() {
    return config.spatialFactor();
  }

  /**
   * The pipelines' de-normalisation before decoding, in the compute dtype: with a {@code
   * shift_factor} FluxPipeline's {@code latents / scaling_factor + shift_factor}, without one
   * LattePipeline's (and Stable Diffusion's) {@code 1 / scaling_factor · latents} (the reciprocal
   * taken in double precision first, as Python does; the two forms differ by rounding).
   */
  @Override
  public Tensor denormalize(Tensor latents) {
    checkLatents(latents);
    Tensor x = onDevice(latents);
    Double shift = config.shiftFactor();
    if (shift != null) {
      return x.div(new Scalar(config.scalingFactor())).add(new Scalar(shift));
    }
    return x.mul(new Scalar(1.0 / config.scalingFactor()));
  }

  /**
   * The image-to-image pipelines' normalisation of encoded latents: {@code (latents − shift_factor) ·
   * scaling_factor} (FLUX), or {@code latents · scaling_factor} without a shift.
   */
  @Override
  public Tensor normalize(Tensor latents) {
    checkLatents(latents);
    Tensor x = onDevice(latents);
    Double shift = config.shiftFactor();
    return (shift != null ? x.sub(new Scalar(shift)) : x).mul(new Scalar(config.scalingFactor()));
  }

  @Override
  public Tensor decode(Tensor latents) {
    return decode(latents, DEFAULT_FRAMES_PER_CALL, VaeObserver.NONE);
  }

  /** {@link #decode} running {@code framesPerCall} frames through the network at a time (LattePipeline's decode_chunk_size). */
  public Tensor decode(Tensor latents, int framesPerCall) {
    return decode(latents, framesPerCall, VaeObserver.NONE);
  }

  /**
   * {@link #decode}, {@code framesPerCall} frames at a time, showing every call's intermediate
   * results to {@code observer} as {@code post_quant_conv.chunk<i>} and {@code decoder.<module>.chunk<i>},
   * each (frames of that call, C, H, W).
   */
  public Tensor decode(Tensor latents, int framesPerCall, VaeObserver observer) {
    checkLatents(latents);
    int s = spatialFactor();
    Tensor out = emptyOnDevice(new long[] {latents.size(0), config.outChannels(), latents.size(2), latents.size(3) * s, latents.size(4) * s});
    inCalls(latents, framesPerCall, out, (z, call) -> {
      if (postQuantConv != null) {
        z = postQuantConv.apply(z);
        observer.observe("post_quant_conv.chunk" + call, z);
      }
      return decoder.apply(z, observer, call);
    });
    return out;
  }

  @Override
  public DiagonalGaussian encode(Tensor video) {
    return encode(video, DEFAULT_FRAMES_PER_CALL, VaeObserver.NONE);
  }

  /**
   * {@link #encode}, {@code framesPerCall} frames at a time, showing every call's intermediate
   * results to {@code observer} as {@code encoder.<module>.chunk<i>} and {@code quant_conv.chunk<i>}.
   */
  public DiagonalGaussian encode(Tensor video, int framesPerCall, VaeObserver observer) {
    checkVideo(video);
    int s = spatialFactor();
    Tensor moments = emptyOnDevice(new long[] {video.size(0), 2L * config.latentChannels(), video.size(2), video.size(3) / s, video.size(4) / s});
    inCalls(video, framesPerCall, moments, (x, call) -> {
      Tensor e = encoder.apply(x, observer, call);
      if (quantConv != null) {
        e = quantConv.apply(e);
        observer.observe("quant_conv.chunk" + call, e);
      }
      return e;
    });
    return DiagonalGaussian.fromMoments(moments);
  }

  /** What one network call does to its frames, (n, C, H, W) images to (n, C', H', W'). */
  @FunctionalInterface
  private interface Call {
    Tensor apply(Tensor images, int call);
  }

  /**
   * Runs the frames of {@code video} (B, C, F, H, W) through {@code call}, {@code framesPerCall} of
   * the batch-major frames at a time, each call in its own scope, into {@code out} (B, C', F, H', W').
   */
  private void inCalls(Tensor video, int framesPerCall, Tensor out, Call call) {
    if (framesPerCall < 1) {
      throw new IllegalArgumentException("frames per VAE call must be at least 1, got " + framesPerCall);
    }
    long total = video.size(0) * video.size(2);
    try (PointerScope scope = new PointerScope()) {
      Tensor frames = flattenFrames(onDevice(video));
      int index = 0;
      for (long start = 0; start < total; start += framesPerCall, index++) {
        try (PointerScope chunk = new PointerScope()) {
          putFrames(out, start, call.apply(frames.narrow(0, start, Math.min(framesPerCall, total - start)), index));
        }
      }
    }
  }

  /** (B, C, F, H, W) to the (B·F, C, H, W) frames, batch-major, as decode_latents' permute + flatten. */
  private static Tensor flattenFrames(Tensor video) {
    return video.permute(0, 2, 1, 3, 4).reshape(video.size(0) * video.size(2), video.size(1), video.size(3), video.size(4));
  }

  /** Copies (n, C, H, W) images, frames {@code start ..} of the batch-major list, into their places in {@code video} (B, C, F, H, W). */
  private static void putFrames(Tensor video, long start, Tensor images) {
    long frames = video.size(2);
    long n = images.size(0);
    for (long done = 0; done < n; ) {
      long index = start + done;
      long f = index % frames;
      long run = Math.min(n - done, frames - f);
      video.select(0, index / frames).narrow(1, f, run).copy_(images.narrow(0, done, run).transpose(0, 1));
      done += run;
    }
  }

  private void checkLatents(Tensor latents) {
    int z = config.latentChannels();
    if (latents.dim() != 5 || latents.size(1) != z || latents.size(0) < 1 || latents.size(2) < 1 || latents.size(3) < 1 || latents.size(4) < 1) {
      throw new IllegalArgumentException(
          "latents " + Tensors.shapeString(latents) + ": " + CLASS_NAME + " expects (B, " + z + ", F, h, w), latent_channels="
              + z + " in " + config.file());
    }
  }

  private void checkVideo(Tensor video) {
    int s = spatialFactor();
    if (video.dim() != 5 || video.size(1) != config.inChannels() || video.size(0) < 1 || video.size(2) < 1) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": " + CLASS_NAME + " expects (B, " + config.inChannels()
              + ", F, H, W), in_channels=" + config.inChannels() + " in " + config.file());
    }
    if (video.size(3) % s != 0 || video.size(4) % s != 0 || video.size(3) == 0 || video.size(4) == 0) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": height and width must be positive multiples of " + s);
    }
  }

  private Tensor onDevice(Tensor t) {
    return t.to(target().device(), target().dtype());
  }

  private Tensor emptyOnDevice(long[] shape) {
    return torch.empty(shape, new TensorOptions(ScalarType.Float).device(new DeviceOptional(target().device())), new MemoryFormatOptional());
  }

  @Override
  public void close() {
    weights.close();
  }
}
