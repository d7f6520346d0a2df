package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Doubles the height and width of (N, C, H, W) images by pixel duplication (nearest), then a 3×3
 * convolution with zero padding 1: diffusers' {@code Upsample2D(use_conv=True)} in the 2D VAE
 * decoders and the spatial part of the Wan / Qwen-Image VAE upsamplers ({@code resample}).
 */
public final class Upsample2d {
  private final Conv2d conv;

  /** @param weight (out, in, 3, 3) */
  public Upsample2d(Tensor weight, Tensor bias) {
    if (weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3) {
      throw new IllegalArgumentException("Upsample2d needs a 3×3 convolution weight");
    }
    conv = new Conv2d(weight, bias, 1, 1);
  }

  public Tensor apply(Tensor x) {
    return conv.apply(Upsampling.nearest(x, 2));
  }
}
