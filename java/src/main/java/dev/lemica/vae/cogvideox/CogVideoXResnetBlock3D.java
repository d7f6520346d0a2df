package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.FrameCache;
import dev.lemica.nn.GroupNorm;
import dev.lemica.vae.ResnetBlocks;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code CogVideoXResnetBlock3D} as the VAE builds it (no time embedding, no convolution
 * shortcut): {@code conv2(silu(norm2(conv1(silu(norm1(x)))))) + shortcut(x)} with causal 3×3×3
 * convolutions that carry their last two input frames to the next group, and a 1×1×1 {@code Conv3d}
 * shortcut where the channel count changes. The norms are GroupNorms (eps {@code norm_eps}) in the
 * encoder and {@link CogVideoXSpatialNorm3D spatial norms} in the decoder.
 */
final class CogVideoXResnetBlock3D implements CogVideoXLayer {
  private final ConditionedNorm norm1;
  private final CausalConv3d conv1;
  private final ConditionedNorm norm2;
  private final CausalConv3d conv2;
  private final CausalConv3d shortcut;

  private CogVideoXResnetBlock3D(WeightLoader w, String prefix, int in, int out, ConditionedNorm norm1, ConditionedNorm norm2) {
    this.norm1 = norm1;
    conv1 = CogVideoXLayers.causalConv(w, prefix + ".conv1", in, out, 3);
    this.norm2 = norm2;
    conv2 = CogVideoXLayers.causalConv(w, prefix + ".conv2", out, out, 3);
    shortcut = in != out ? CogVideoXLayers.pointwise(w, prefix + ".conv_shortcut", in, out) : null;
  }

  /** An encoder resnet: GroupNorms. */
  static CogVideoXResnetBlock3D encoder(WeightLoader w, String prefix, int in, int out, CogVideoXVaeConfig c) {
    GroupNorm n1 = CogVideoXLayers.groupNorm(w, prefix + ".norm1", in, c.normNumGroups(), c.normEps());
    GroupNorm n2 = CogVideoXLayers.groupNorm(w, prefix + ".norm2", out, c.normNumGroups(), c.normEps());
    return new CogVideoXResnetBlock3D(w, prefix, in, out, (x, zq) -> n1.apply(x), (x, zq) -> n2.apply(x));
  }

  /** A decoder resnet: spatial norms conditioned on the group's latents. */
  static CogVideoXResnetBlock3D decoder(WeightLoader w, String prefix, int in, int out, CogVideoXVaeConfig c) {
    int z = c.latentChannels();
    int groups = c.normNumGroups();
    CogVideoXSpatialNorm3D n1 = new CogVideoXSpatialNorm3D(w, prefix + ".norm1", in, z, groups);
    CogVideoXSpatialNorm3D n2 = new CogVideoXSpatialNorm3D(w, prefix + ".norm2", out, z, groups);
    return new CogVideoXResnetBlock3D(w, prefix, in, out, n1, n2);
  }

  @Override
  public Tensor apply(Tensor x, Tensor zq, FrameCache cache) {
    FrameCache.Slot first = cache.next();
    FrameCache.Slot second = cache.next();
    return ResnetBlocks.apply(
        x,
        t -> norm1.apply(t, zq),
        t -> conv1.apply(t, first),
        t -> norm2.apply(t, zq),
        t -> conv2.apply(t, second),
        shortcut == null ? null : shortcut::apply);
  }
}
