package dev.lemica.vae.cogvideox;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.FrameCache;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.LatentLayout;
import dev.lemica.vae.VaeObserver;
import dev.lemica.vae.VaeTensors;
import dev.lemica.vae.VideoAutoencoder;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The CogVideoX video VAE (CogVideoX 1.0 and 1.5), diffusers' {@code AutoencoderKLCogVideoX}, with its
 * parameter names so a pipeline's {@code vae/} folder loads unchanged.
 *
 * <p>Decoding runs the latent frames in {@link FrameGroups groups} of two (an odd remainder joins
 * the first group), encoding the video frames in groups of eight, exactly as diffusers' {@code
 * _decode} / {@code _encode} do. By default, as in diffusers, neither tiles nor slices: {@link
 * #enableTiling} decodes a latent larger than a tile in overlapping {@link CogVideoXTiling tiles}
 * (encoding stays untiled), {@link #enableSlicing} a batch one video at a time. Each causal
 * convolution carries the last two frames of its padded input from one group to the next in a {@link
 * FrameCache}; the very first group is padded with copies of its first frame. T latent frames decode
 * to {@code 4·T − 3} frames for odd T (the first group of three gives 9, every later pair 8) and to
 * {@code 4·T} for even T. Each group runs in its own {@code PointerScope}, and its frames are copied
 * into one preallocated output.
 *
 * <p>Causal in time at the granularity of groups, not frames: a group's GroupNorm statistics and
 * spatial-norm conditioning span all its frames, so a group's output depends on every latent frame up
 * to the group's end (and the decode of the first k groups' latents is the first frames of the whole
 * decode when the grouping agrees).
 *
 * <p>For a pipeline: latents as CogVideoX's transformer holds them are frames first, (B, F, C, h, w):
 * convert with {@link #pipelineLayout()} ({@code toVae}), then {@link #decodeNormalized}, which
 * applies the pipeline's {@code 1 / scaling_factor}. The output is not clamped (the pipeline's
 * postprocessing clamps).
 */
public final class AutoencoderKLCogVideoX implements VideoAutoencoder {
  public static final String CLASS_NAME = "AutoencoderKLCogVideoX";

  private final CogVideoXVaeConfig config;
  private final WeightLoader weights;
  private final CogVideoXEncoder3D encoder;
  private final CogVideoXDecoder3D decoder;
  private final CausalConv3d quantConv;
  private final CausalConv3d postQuantConv;
  /** diffusers' {@code use_tiling} with its settings; null: off. */
  private volatile CogVideoXTiling tiling;
  /** diffusers' {@code use_slicing}. */
  private volatile boolean slicing;

  public AutoencoderKLCogVideoX(CogVideoXVaeConfig config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    encoder = new CogVideoXEncoder3D(weights, config);
    decoder = new CogVideoXDecoder3D(weights, config);
    // diffusers sizes both by out_channels; the config check makes that latent_channels.
    int z = config.latentChannels();
    quantConv = config.useQuantConv() ? CogVideoXLayers.pointwise(weights, "quant_conv", 2L * z, 2L * z) : null;
    postQuantConv = config.usePostQuantConv() ? CogVideoXLayers.pointwise(weights, "post_quant_conv", z, z) : null;
  }

  /** The VAE a config describes, with weights from {@code weights} (which it then owns). */
  public static AutoencoderKLCogVideoX load(ModelConfig config, WeightLoader weights) {
    return new AutoencoderKLCogVideoX(CogVideoXVaeConfig.from(config), weights);
  }

  public CogVideoXVaeConfig config() {
    return config;
  }

  /**
   * diffusers' {@code enable_tiling()}: decode in tiles of {@link CogVideoXTiling#defaults} whenever
   * the latent is larger than one (THUDM's CLI does this for CogVideoX 1.5; diffusers' default is off).
   *
   * @throws IllegalArgumentException when the config's sample size gives tiles that do not make the video
   */
  public void enableTiling() {
    tiling = CogVideoXTiling.checkedDefaults(config);
  }

  /** {@code enable_tiling(...)} with settings of one's own, checked against this VAE's spatial factor. */
  public void enableTiling(CogVideoXTiling settings) {
    settings.check(spatialFactor());
    tiling = settings;
  }

  public void disableTiling() {
    tiling = null;
  }

  /** The tiling settings, or empty when decodes are not tiled. */
  public Optional<CogVideoXTiling> tiling() {
    return Optional.ofNullable(tiling);
  }

  /** diffusers' {@code enable_slicing()}: a batch decodes one video at a time (same numbers, a batch element's memory). */
  public void enableSlicing() {
    slicing = true;
  }

  public void disableSlicing() {
    slicing = false;
  }

  public boolean slicing() {
    return slicing;
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
    return config.temporalFactor();
  }

  @Override
  public int spatialFactor() {
    return config.spatialFactor();
  }

  /** The sum over decode groups: {@code 4·T − 3} for odd T, {@code 4·T} for even T (temporal factor 4). */
  @Override
  public long videoFrames(long latentFrames) {
    long frames = 0;
    for (long[] g : FrameGroups.of(latentFrames, FrameGroups.DECODE)) {
      frames += decoder.videoFrames(g[1] - g[0]);
    }
    return frames;
  }

  /** The latent frames a video of {@code frames} frames encodes to (groups of 8, remainder first). */
  public long latentFrames(long frames) {
    long latent = 0;
    for (long[] g : FrameGroups.of(frames, FrameGroups.ENCODE)) {
      latent += encoder.latentFrames(g[1] - g[0]);
    }
    return latent;
  }

  /** CogVideoX's transformer holds latents (B, F, C, h, w). */
  @Override
  public LatentLayout pipelineLayout() {
    return LatentLayout.FRAMES_FIRST;
  }

  /**
   * CogVideoXPipeline's {@code decode_latents} scaling, {@code 1 / scaling_factor · latents}, in the
   * compute dtype: one multiply by the double reciprocal rounded to the dtype's arithmetic, as torch
   * does with a Python float (not a division by the scaling factor). Channels first: the pipeline's
   * permute is {@link #pipelineLayout()}'s.
   */
  @Override
  public Tensor denormalize(Tensor latents) {
    checkLatents(latents);
    return onDevice(latents).mul(new Scalar(1.0 / config.scalingFactor()));
  }

  /**
   * The image-to-video pipeline's scaling of encoded latents: {@code scaling_factor · latents}, or
   * with {@code invert_scale_latents} (CogVideoX 1.5) {@code 1 / scaling_factor · latents}, which is
   * then not the inverse of {@link #denormalize} — as the released pipeline does it.
   */
  @Override
  public Tensor normalize(Tensor latents) {
    checkLatents(latents);
    double factor = config.invertScaleLatents() ? 1.0 / config.scalingFactor() : config.scalingFactor();
    return onDevice(latents).mul(new Scalar(factor));
  }

  @Override
  public Tensor decode(Tensor latents) {
    return decode(latents, VaeObserver.NONE);
  }

  /**
   * {@link #decode}, showing every group's intermediate results to {@code observer} ({@code
   * decoder.up_blocks.0.group1}); a tiled decode shows it nothing (its groups are per tile).
   */
  public Tensor decode(Tensor latents, VaeObserver observer) {
    checkLatents(latents);
    long frames = videoFrames(latents.size(2));
    int s = spatialFactor();
    Tensor out = VaeTensors.empty(target(), new long[] {latents.size(0), config.outChannels(), frames, latents.size(3) * s, latents.size(4) * s}, ScalarType.Float);
    try (PointerScope scope = new PointerScope()) {
      Tensor z = onDevice(latents);
      if (slicing && z.size(0) > 1) {
        for (long b = 0; b < z.size(0); b++) {
          decodeInto(z.narrow(0, b, 1), out.narrow(0, b, 1), observer);
        }
      } else {
        decodeInto(z, out, observer);
      }
    }
    return out;
  }

  /** {@code _decode}: tiled when tiling is on and the latent is larger than a tile. */
  private void decodeInto(Tensor z, Tensor out, VaeObserver observer) {
    int s = spatialFactor();
    CogVideoXTiling settings = tiling;
    if (settings == null || !settings.tiles(z.size(3), z.size(4), s)) {
      decodeGroups(z, out, observer);
      return;
    }
    TileAxis rows = settings.rows(s).plan(z.size(3));
    TileAxis columns = settings.columns(s).plan(z.size(4));
    new TiledDecode(rows, columns).run(z, out, tile -> {
      Tensor decoded = VaeTensors.empty(target(), new long[] {tile.size(0), config.outChannels(), out.size(2), tile.size(3) * s, tile.size(4) * s}, ScalarType.Float);
      decodeGroups(tile, decoded, VaeObserver.NONE);
      return decoded;
    });
  }

  /** The untiled decode of {@code z} into {@code out}: frame groups in order, each in its own scope, one cache for all. */
  private void decodeGroups(Tensor z, Tensor out, VaeObserver observer) {
    long frames = out.size(2);
    try (PointerScope scope = new PointerScope();
        FrameCache cache = new FrameCache()) {
      List<long[]> groups = FrameGroups.of(z.size(2), FrameGroups.DECODE);
      long at = 0;
      for (int i = 0; i < groups.size(); i++) {
        try (PointerScope group = new PointerScope()) {
          cache.startChunk();
          Tensor zi = z.narrow(2, groups.get(i)[0], groups.get(i)[1] - groups.get(i)[0]);
          if (postQuantConv != null) {
            zi = postQuantConv.apply(zi);
          }
          Tensor decoded = decoder.apply(zi, cache, observer, i);
          VaeTensors.checkFits(decoded, at, frames, "decoded", config.file());
          out.narrow(2, at, decoded.size(2)).copy_(decoded);
          at += decoded.size(2);
        }
      }
    }
  }

  @Override
  public DiagonalGaussian encode(Tensor video) {
    return encode(video, VaeObserver.NONE);
  }

  /** {@link #encode}, showing every group's intermediate results to {@code observer} ({@code encoder.mid_block.group0}). */
  public DiagonalGaussian encode(Tensor video, VaeObserver observer) {
    checkVideo(video);
    long latentFrames = latentFrames(video.size(2));
    int s = spatialFactor();
    long[] shape = {video.size(0), 2L * config.latentChannels(), latentFrames, video.size(3) / s, video.size(4) / s};
    Tensor moments = VaeTensors.empty(target(), shape, ScalarType.Float);
    try (PointerScope scope = new PointerScope();
        FrameCache cache = new FrameCache()) {
      Tensor x = onDevice(video);
      List<long[]> groups = FrameGroups.of(video.size(2), FrameGroups.ENCODE);
      long at = 0;
      for (int i = 0; i < groups.size(); i++) {
        try (PointerScope group = new PointerScope()) {
          cache.startChunk();
          Tensor e = encoder.apply(x.narrow(2, groups.get(i)[0], groups.get(i)[1] - groups.get(i)[0]), cache, observer, i);
          if (quantConv != null) {
            e = quantConv.apply(e);
          }
          VaeTensors.checkFits(e, at, latentFrames, "encoded", config.file());
          moments.narrow(2, at, e.size(2)).copy_(e);
          at += e.size(2);
        }
      }
    }
    return DiagonalGaussian.fromMoments(moments);
  }

  private void checkLatents(Tensor latents) {
    int z = config.latentChannels();
    if (latents.dim() != 5 || latents.size(1) != z || latents.size(0) < 1 || latents.size(2) < 1 || latents.size(3) < 1 || latents.size(4) < 1) {
      throw new IllegalArgumentException(
          "latents " + Tensors.shapeString(latents) + ": " + CLASS_NAME + " expects (B, " + z + ", T, h, w), latent_channels="
              + z + " in " + config.file() + " (a pipeline's (B, F, C, h, w) latents need pipelineLayout().toVae first)");
    }
  }

  private void checkVideo(Tensor video) {
    VaeTensors.checkVideo(video, CLASS_NAME, config.inChannels(), spatialFactor(), "in_channels=" + config.inChannels() + " in " + config.file());
  }

  private Tensor onDevice(Tensor t) {
    return VaeTensors.onDevice(target(), t);
  }

  @Override
  public void close() {
    weights.close();
  }
}
