package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** y = x·Wᵀ + b, with the weight layout of {@code torch.nn.Linear}. */
public final class Linear {
  private final Tensor weight;
  private final TensorOptional bias;

  public Linear(Tensor weight, Tensor bias) {
    this.weight = weight;
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.bias.retainReference();
  }

  public Tensor apply(Tensor x) {
    return torch.linear(x, weight, bias);
  }

  public long outFeatures() {
    return weight.size(0);
  }

  public long inFeatures() {
    return weight.size(1);
  }
}
