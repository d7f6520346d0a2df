package dev.lemica.vae.opensora;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.GroupNorm;

/** Loads the layers of Open-Sora's temporal VAE by their names in the pipeline's checkpoint. */
final class TemporalLayers {
  /** torch's GroupNorm default, which Open-Sora's temporal VAE keeps. */
  static final double GROUP_NORM_EPS = 1e-5;

  private TemporalLayers() {}

  /**
   * Open-Sora's {@code CausalConv3d(in, out, k, strides=(s, 1, 1))}, weights under {@code <prefix>.conv}:
   * {@code (k − 1) + (1 − s)} zero frames in front, {@code k / 2} zero rows and columns around each
   * frame, stride s in time.
   */
  static CausalConv3d conv(WeightLoader w, String prefix, long in, long out, int k, int timeStride, boolean bias) {
    return new CausalConv3d(
        w.load(prefix + ".conv.weight", out, in, k, k, k),
        bias ? w.load(prefix + ".conv.bias", out) : null,
        new long[] {timeStride, 1, 1},
        (k - 1) + (1 - timeStride),
        k / 2,
        k / 2,
        CausalConv3d.Start.ZEROS);
  }

  static GroupNorm groupNorm(WeightLoader w, String prefix, int groups, long channels) {
    return new GroupNorm(groups, w.load(prefix + ".weight", channels), w.load(prefix + ".bias", channels), GROUP_NORM_EPS);
  }
}
