package dev.lemica.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Normalisations over the last dimension, as torch.nn.LayerNorm and torch.nn.RMSNorm compute them. */
public final class Norms {
  private Norms() {}

  public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
    return torch.layer_norm(
        x,
        new long[] {x.size(-1)},
        weight == null ? new TensorOptional() : new TensorOptional(weight),
        bias == null ? new TensorOptional() : new TensorOptional(bias),
        eps,
        false);
  }

  public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
    return torch.rms_norm(
        x,
        new long[] {x.size(-1)},
        weight == null ? new TensorOptional() : new TensorOptional(weight),
        new DoubleOptional(eps));
  }
}
