package dev.lemica.vae.wan;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.FrameCache;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.VaeObserver;
import dev.lemica.vae.VideoAutoencoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The Wan2.1 video VAE, diffusers' {@code AutoencoderKLWan}, and the Qwen-Image VAE, diffusers'
 * {@code AutoencoderKLQwenImage} (the same modules and parameter names, fine-tuned weights; see
 * {@link WanVaeConfig}), so a pipeline's {@code vae/} folder of either loads unchanged. Causal in time: T latent frames decode to
 * {@code 1 + 4·(T − 1)} frames, and the first k output frames depend only on the first latent
 * frames that produced them.
 *
 * <p>Decoding runs one latent frame at a time and encoding one chunk of frames at a time ([0:1],
 * [1:5], [5:9], ...), exactly as diffusers' {@code _decode} / {@code _encode} do (no tiling, no
 * slicing: the batch runs together). Each chunk runs in its own {@code PointerScope}; between chunks
 * only the {@link FrameCache} (two frames per causal convolution) stays alive, and each chunk's
 * frames are copied into one preallocated output, so memory does not grow with the frame count.
 *
 * <p>For a pipeline: {@link #decodeNormalized} takes the denoiser's latents (Wan and Qwen-Image
 * pipelines normalise with the config's {@code latents_mean} / {@code latents_std}, in the same
 * lines); {@link #decode} and {@link #encode} work on raw latents. QwenImagePipeline holds one
 * latent frame, (B, 16, 1, h, w), and keeps frame 0 of the decoded video: {@link
 * #decodeNormalizedImage} does both.
 */
public final class AutoencoderKLWan implements VideoAutoencoder {
  public static final String CLASS_NAME = WanVaeConfig.WAN;

  /** Qwen-Image's class name: QwenImagePipeline decodes its one-frame latents with this VAE and keeps frame 0. */
  public static final String QWEN_IMAGE_CLASS_NAME = WanVaeConfig.QWEN_IMAGE;

  /** diffusers encodes frame 0 alone, then this many frames per chunk. */
  static final int ENCODE_CHUNK_FRAMES = 4;

  private final WanVaeConfig config;
  private final WeightLoader weights;
  private final WanEncoder3d encoder;
  private final WanDecoder3d decoder;
  private final CausalConv3d quantConv;
  private final CausalConv3d postQuantConv;

  public AutoencoderKLWan(WanVaeConfig config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    int z = config.zDim();
    encoder = new WanEncoder3d(weights, config);
    quantConv = WanVaeLayers.pointwise(weights, "quant_conv", 2L * z, 2L * z);
    postQuantConv = WanVaeLayers.pointwise(weights, "post_quant_conv", z, z);
    decoder = new WanDecoder3d(weights, config);
  }

  /** The VAE a config describes, with weights from {@code weights} (which it then owns). */
  public static AutoencoderKLWan load(ModelConfig config, WeightLoader weights) {
    return new AutoencoderKLWan(WanVaeConfig.from(config), weights);
  }

  public WanVaeConfig config() {
    return config;
  }

  @Override
  public String className() {
    return config.className();
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int latentChannels() {
    return config.zDim();
  }

  @Override
  public int temporalFactor() {
    return config.temporalFactor();
  }

  @Override
  public int spatialFactor() {
    return config.spatialFactor();
  }

  /**
   * WanPipeline's and QwenImagePipeline's de-normalisation before decoding, in the compute dtype as the pipeline does it:
   * {@code latents / (1 / latents_std) + latents_mean}, the reciprocal taken of the float32 std cast
   * to the compute dtype (in float32 it is the float32 reciprocal; {@code latents · std} would round
   * differently).
   */
  @Override
  public Tensor denormalize(Tensor latents) {
    checkLatents(latents);
    Tensor x = onDevice(latents);
    return x.div(statistic(config.latentsStd()).reciprocal()).add(statistic(config.latentsMean()));
  }

  /**
   * The Wan image-to-video and Qwen-Image img2img pipelines' normalisation of encoded latents, {@code (latents −
   * latents_mean) · (1 / latents_std)}, in the compute dtype.
   */
  @Override
  public Tensor normalize(Tensor latents) {
    checkLatents(latents);
    Tensor x = onDevice(latents);
    return x.sub(statistic(config.latentsMean())).mul(statistic(config.latentsStd()).reciprocal());
  }

  @Override
  public Tensor decode(Tensor latents) {
    return decode(latents, VaeObserver.NONE);
  }

  /** {@link #decode}, showing every chunk's intermediate results to {@code observer}. */
  public Tensor decode(Tensor latents, VaeObserver observer) {
    checkLatents(latents);
    long b = latents.size(0);
    long t = latents.size(2);
    long frames = videoFrames(t);
    int s = spatialFactor();
    Tensor out = emptyOnDevice(new long[] {b, config.outChannels(), frames, latents.size(3) * s, latents.size(4) * s}, ScalarType.Float);
    try (PointerScope scope = new PointerScope();
        FrameCache cache = new FrameCache()) {
      Tensor z = postQuantConv.apply(onDevice(latents));
      observer.observe("post_quant_conv", z);
      long at = 0;
      for (int i = 0; i < t; i++) {
        try (PointerScope chunk = new PointerScope()) {
          cache.startChunk();
          Tensor decoded = decoder.apply(z.narrow(2, i, 1), cache, observer, i);
          checkChunk(decoded, at, frames, "decoded");
          out.narrow(2, at, decoded.size(2)).copy_(decoded);
          at += decoded.size(2);
        }
      }
    }
    out.clamp_(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
    return out;
  }

  @Override
  public DiagonalGaussian encode(Tensor video) {
    return encode(video, VaeObserver.NONE);
  }

  /** {@link #encode}, showing every chunk's intermediate results to {@code observer}. */
  public DiagonalGaussian encode(Tensor video, VaeObserver observer) {
    checkVideo(video);
    int tf = temporalFactor();
    if (tf > ENCODE_CHUNK_FRAMES) {
      throw new IllegalArgumentException(
          config.file() + ": temperal_downsample halves time " + Integer.numberOfTrailingZeros(tf)
              + " times; diffusers' " + ENCODE_CHUNK_FRAMES + "-frame encode chunks cannot be downsampled that far");
    }
    long b = video.size(0);
    long frames = video.size(2);
    long chunks = 1 + (frames - 1) / ENCODE_CHUNK_FRAMES;
    long latentFrames = 1 + (frames - 1) / tf;
    int s = spatialFactor();
    int z = config.zDim();
    Tensor moments = emptyOnDevice(new long[] {b, 2L * z, latentFrames, video.size(3) / s, video.size(4) / s}, ScalarType.Float);
    try (PointerScope scope = new PointerScope();
        FrameCache cache = new FrameCache()) {
      Tensor x = onDevice(video);
      Tensor encoded = emptyOnDevice(Tensors.shape(moments), target().dtype());
      long at = 0;
      for (int k = 0; k < chunks; k++) {
        try (PointerScope chunk = new PointerScope()) {
          cache.startChunk();
          long start = k == 0 ? 0 : 1 + (long) ENCODE_CHUNK_FRAMES * (k - 1);
          long length = k == 0 ? 1 : ENCODE_CHUNK_FRAMES;
          Tensor e = encoder.apply(x.narrow(2, start, length), cache, observer, k);
          checkChunk(e, at, latentFrames, "encoded");
          encoded.narrow(2, at, e.size(2)).copy_(e);
          at += e.size(2);
        }
      }
      Tensor quantized = quantConv.apply(encoded);
      observer.observe("quant_conv", quantized);
      moments.copy_(quantized);
    }
    return DiagonalGaussian.fromMoments(moments);
  }

  private void checkChunk(Tensor chunk, long at, long total, String what) {
    if (at + chunk.size(2) > total) {
      throw new IllegalStateException(what + " frames overflow the expected " + total + " (config " + config.file() + ")");
    }
  }

  private void checkLatents(Tensor latents) {
    if (latents.dim() != 5 || latents.size(1) != config.zDim() || latents.size(0) < 1 || latents.size(2) < 1) {
      throw new IllegalArgumentException(
          "latents " + Tensors.shapeString(latents) + ": " + className() + " expects (B, " + config.zDim()
              + ", T, h, w), z_dim=" + config.zDim() + " in " + config.file());
    }
  }

  private void checkVideo(Tensor video) {
    int s = spatialFactor();
    if (video.dim() != 5 || video.size(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": " + className() + " expects (B, " + config.inChannels()
              + ", F, H, W), in_channels=" + config.inChannels() + " in " + config.file());
    }
    long frames = video.size(2);
    if (frames < 1 || (frames - 1) % ENCODE_CHUNK_FRAMES != 0) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": " + frames + " frames; " + className() + " encodes 1 + "
              + ENCODE_CHUNK_FRAMES + "k frames (diffusers would drop the last " + ((frames - 1) % ENCODE_CHUNK_FRAMES) + ")");
    }
    if (video.size(3) % s != 0 || video.size(4) % s != 0 || video.size(3) == 0 || video.size(4) == 0) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": height and width must be positive multiples of " + s);
    }
  }

  private Tensor onDevice(Tensor t) {
    return t.to(target().device(), target().dtype());
  }

  /** A per-channel statistic as the pipeline holds it: float32, then the compute dtype, (1, z, 1, 1, 1). */
  private Tensor statistic(float[] values) {
    return onDevice(Tensors.fromFloats(values, 1, values.length, 1, 1, 1));
  }

  private Tensor emptyOnDevice(long[] shape, ScalarType type) {
    return torch.empty(shape, new TensorOptions(type).device(new DeviceOptional(target().device())), new MemoryFormatOptional());
  }

  @Override
  public void close() {
    weights.close();
  }
}
