package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.Conv2d;

/** Loads the Wan VAE's layers by their diffusers names, shape-checked against the config. */
final class WanVaeLayers {
  private static final long[] ONES = {1, 1, 1};

  private WanVaeLayers() {}

  /** {@code WanCausalConv3d(in, out, 3, padding=1)}. */
  static CausalConv3d conv3(WeightLoader w, String prefix, long in, long out) {
    return conv(w, prefix, in, out, new long[] {3, 3, 3}, ONES, ONES);
  }

  /** {@code WanCausalConv3d(in, out, 1)}: a per-position linear map of the channels. */
  static CausalConv3d pointwise(WeightLoader w, String prefix, long in, long out) {
    return conv(w, prefix, in, out, ONES, ONES, new long[] {0, 0, 0});
  }

  static CausalConv3d conv(WeightLoader w, String prefix, long in, long out, long[] kernel, long[] stride, long[] padding) {
    return new CausalConv3d(
        w.load(prefix + ".weight", out, in, kernel[0], kernel[1], kernel[2]),
        w.load(prefix + ".bias", out),
        stride,
        padding);
  }

  static Conv2d conv2d(WeightLoader w, String prefix, long in, long out, long kernel, long stride, long padding) {
    return new Conv2d(w.load(prefix + ".weight", out, in, kernel, kernel), w.load(prefix + ".bias", out), stride, padding);
  }

  /** {@code WanRMS_norm(dim, images=...)}: gamma (dim, 1, 1) for images, (dim, 1, 1, 1) for videos. */
  static ChannelRmsNorm rmsNorm(WeightLoader w, String prefix, long dim, boolean images) {
    long[] shape = images ? new long[] {dim, 1, 1} : new long[] {dim, 1, 1, 1};
    return new ChannelRmsNorm(w.load(prefix + ".gamma", shape), null);
  }
}
