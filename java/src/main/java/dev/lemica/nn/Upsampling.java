package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Spatial upsampling of (N, C, H, W) images. */
public final class Upsampling {
  private Upsampling() {}

  /**
   * Nearest-neighbour upsampling by an integer factor: every pixel becomes a factor × factor block.
   * For integer factors torch's {@code nearest} and {@code nearest-exact} modes pick the same source
   * pixel (floor(dst / f) = floor((dst + ½) / f)), so this is either.
   */
  public static Tensor nearest(Tensor x, int factor) {
    if (factor < 1) {
      throw new IllegalArgumentException("upsampling factor must be at least 1, got " + factor);
    }
    return torch.upsample_nearest2d(x, x.size(2) * factor, x.size(3) * factor);
  }
}
