package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * torch's {@code GroupNorm} over (N, C, ...) tensors: the channels fall into {@code groups} equal
 * groups, each normalised per sample to zero mean and unit variance over its channels and all
 * positions ({@code (x − mean) / √(var + eps)}, biased variance), then scaled and shifted per
 * channel. Samples never mix. diffusers' 2D VAEs and UNets use it with eps 1e-6.
 */
public final class GroupNorm {
  private final long groups;
  private final TensorOptional weight;
  private final TensorOptional bias;
  private final double eps;

  /**
   * @param weight (C) or null for none
   * @param bias (C) or null for none
   */
  public GroupNorm(long groups, Tensor weight, Tensor bias, double eps) {
    if (groups < 1 || (weight != null && weight.size(0) % groups != 0)) {
      throw new IllegalArgumentException("GroupNorm: " + (weight == null ? "?" : weight.size(0)) + " channels do not fall into " + groups + " groups");
    }
    this.groups = groups;
    this.weight = weight == null ? new TensorOptional() : new TensorOptional(weight);
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.weight.retainReference();
    this.bias.retainReference();
    this.eps = eps;
  }

  public Tensor apply(Tensor x) {
    return torch.group_norm(x, groups, weight, bias, eps, true);
  }
}
