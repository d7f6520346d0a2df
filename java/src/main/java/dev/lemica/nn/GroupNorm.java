package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * torch's {@code nn.GroupNorm} on (B, C, ...) tensors: the channels split into {@code groups} equal
 * groups, each normalised per sample over its channels and every trailing position (biased variance,
 * eps inside the root), then a per-channel scale and shift. On a 5-D video the statistics span every
 * frame given, so a VAE that runs a video in frame groups (CogVideoX, Open-Sora's micro-chunks) gets
 * results that depend on the grouping: that is the reference's behaviour, not a rounding effect.
 */
public final class GroupNorm {
  private final TensorOptional weight;
  private final TensorOptional bias;
  private final int groups;
  private final double eps;

  /** @param weight γ (C), or null for none; @param bias β (C), or null for none */
  public GroupNorm(Tensor weight, Tensor bias, int groups, double eps) {
    if (groups < 1 || (weight != null && weight.size(0) % groups != 0)) {
      throw new IllegalArgumentException("GroupNorm: " + groups + " groups do not divide the channels");
    }
    this.weight = weight == null ? new TensorOptional() : new TensorOptional(weight);
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.weight.retainReference();
    this.bias.retainReference();
    this.groups = groups;
    this.eps = eps;
  }

  public Tensor apply(Tensor x) {
    return torch.group_norm(x, groups, weight, bias, eps, true);
  }
}
