package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** torch's Conv2d (zero padding, no dilation, one group), weight (out, in, k_h, k_w). */
public final class Conv2d {
  private final Tensor weight;
  private final TensorOptional bias;
  private final long[] stride;
  private final long[] padding;

  public Conv2d(Tensor weight, Tensor bias, long stride, long padding) {
    if (weight.dim() != 4) {
      throw new IllegalArgumentException("Conv2d needs a 4-D weight");
    }
    this.weight = weight;
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.bias.retainReference();
    this.stride = new long[] {stride, stride};
    this.padding = new long[] {padding, padding};
  }

  public Tensor apply(Tensor x) {
    return torch.conv2d(x, weight, bias, stride, padding, new long[] {1, 1}, 1);
  }
}
