package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.GroupNorm;
import org.bytedeco.pytorch.Tensor;

/** Loads the CogVideoX VAE's layers by their diffusers names, shape-checked against the config. */
final class CogVideoXLayers {
  private static final long[] ONES = {1, 1, 1};

  private CogVideoXLayers() {}

  /**
   * {@code CogVideoXCausalConv3d(in, out, kernel_size=k, pad_mode="first")}, weights under {@code
   * <prefix>.conv}: {@code k − 1} frames in front (copies of the first frame, or the cache), {@code
   * (k − 1) / 2} zero rows and columns around each frame.
   */
  static CausalConv3d causalConv(WeightLoader w, String prefix, long in, long out, int k) {
    return new CausalConv3d(
        w.load(prefix + ".conv.weight", out, in, k, k, k),
        w.load(prefix + ".conv.bias", out),
        ONES,
        k - 1,
        (k - 1) / 2,
        (k - 1) / 2,
        CausalConv3d.Start.FIRST_FRAME);
  }

  /** A plain 1×1×1 {@code Conv3d} ({@code CogVideoXSafeConv3d}, which only splits inputs over 2 GiB, exactly). */
  static CausalConv3d pointwise(WeightLoader w, String prefix, long in, long out) {
    return new CausalConv3d(w.load(prefix + ".weight", out, in, 1, 1, 1), w.load(prefix + ".bias", out), ONES, 0, 0, 0, CausalConv3d.Start.ZEROS);
  }

  /** {@code Downsample2d}'s and {@code Upsample2d}'s 3×3 convolution, {@code channels → channels}, weights under {@code <prefix>.conv}. */
  static Tensor[] conv3x3(WeightLoader w, String prefix, long channels) {
    return new Tensor[] {w.load(prefix + ".conv.weight", channels, channels, 3, 3), w.load(prefix + ".conv.bias", channels)};
  }

  static GroupNorm groupNorm(WeightLoader w, String prefix, long channels, int groups, double eps) {
    return new GroupNorm(groups, w.load(prefix + ".weight", channels), w.load(prefix + ".bias", channels), eps);
  }
}
