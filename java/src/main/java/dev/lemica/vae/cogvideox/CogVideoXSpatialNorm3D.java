package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.GroupNorm;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code CogVideoXSpatialNorm3D}, the decoder's norm: {@code GroupNorm(f) · conv_y(zq) +
 * conv_b(zq)}, where zq, the decoder's input latents for the current frame group, is resized (nearest)
 * to f's (T, H, W). For odd T > 1 the first latent frame is resized to f's first frame alone and the
 * rest to the remaining T − 1 frames, so video frame 0 sees latent frame 0 only; otherwise all at
 * once. conv_y and conv_b are 1×1×1 causal convolutions, which look at no other frame and so need no
 * cache. GroupNorm eps is 1e-6 whatever the config says (diffusers hard-codes it).
 */
final class CogVideoXSpatialNorm3D implements ConditionedNorm {
  static final double EPS = 1e-6;

  private final GroupNorm norm;
  private final CausalConv3d convY;
  private final CausalConv3d convB;

  CogVideoXSpatialNorm3D(WeightLoader w, String prefix, int channels, int latentChannels, int groups) {
    norm = CogVideoXLayers.groupNorm(w, prefix + ".norm_layer", channels, groups, EPS);
    convY = CogVideoXLayers.causalConv(w, prefix + ".conv_y", latentChannels, channels, 1);
    convB = CogVideoXLayers.causalConv(w, prefix + ".conv_b", latentChannels, channels, 1);
  }

  @Override
  public Tensor apply(Tensor f, Tensor zq) {
    Tensor z = resized(zq, f.size(2), f.size(3), f.size(4));
    Tensor out = norm.apply(f);
    // out is ours: scaling and shifting it in place keeps one feature map fewer alive.
    try (PointerScope scope = new PointerScope()) {
      out.mul_(convY.apply(z));
    }
    try (PointerScope scope = new PointerScope()) {
      out.add_(convB.apply(z));
    }
    return out;
  }

  static Tensor resized(Tensor zq, long t, long h, long w) {
    if (t > 1 && t % 2 == 1) {
      Tensor first = nearest(zq.narrow(2, 0, 1), 1, h, w);
      Tensor rest = nearest(zq.narrow(2, 1, zq.size(2) - 1), t - 1, h, w);
      return torch.cat(new TensorVector(first, rest), 2);
    }
    return nearest(zq, t, h, w);
  }

  /** {@code F.interpolate(x, size=(t, h, w))}: source index floor(dst · in / out) on each axis. */
  private static Tensor nearest(Tensor x, long t, long h, long w) {
    return torch.upsample_nearest3d(x, new long[] {t, h, w}, new DoubleOptional(), new DoubleOptional(), new DoubleOptional());
  }
}
