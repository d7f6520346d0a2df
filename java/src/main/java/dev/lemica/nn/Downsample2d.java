package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Halves the height and width of (N, C, H, W) images: one zero column on the right and one zero row
 * at the bottom, then a 3×3 convolution with stride 2 and no padding (so H, W even give H/2, W/2).
 * diffusers' {@code Downsample2D(use_conv=True, padding=0)} in the 2D VAE encoders, and the spatial
 * part of the Wan / Qwen-Image VAE downsamplers. The asymmetric padding is the original LDM
 * checkpoints' choice; padding 1 on every side would shift the sampling grid by one pixel.
 */
public final class Downsample2d {
  private final Conv2d conv;

  /** @param weight (out, in, 3, 3) */
  public Downsample2d(Tensor weight, Tensor bias) {
    if (weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3) {
      throw new IllegalArgumentException("Downsample2d needs a 3×3 convolution weight");
    }
    conv = new Conv2d(weight, bias, 2, 0);
  }

  public Tensor apply(Tensor x) {
    return conv.apply(torch.constant_pad_nd(x, 0, 1, 0, 1));
  }
}
