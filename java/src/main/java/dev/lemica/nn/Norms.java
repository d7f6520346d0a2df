package dev.lemica.nn;

import dev.lemica.torch.Temporaries;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Normalisations over the last dimension: torch.nn.LayerNorm, diffusers' FP32LayerNorm,
 * torch.nn.RMSNorm, and T5LayerNorm = diffusers' own RMSNorm (which rounds differently in half precision).
 */
public final class Norms {
  private Norms() {}

  /** torch.nn.LayerNorm in x's dtype; weight and bias may be null (no affine). */
  public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
    return torch.layer_norm(
        x,
        new long[] {x.size(-1)},
        weight == null ? new TensorOptional() : new TensorOptional(weight),
        bias == null ? new TensorOptional() : new TensorOptional(bias),
        eps,
        false);
  }

  /**
   * diffusers' FP32LayerNorm: computed in float32 whatever x's dtype (weight and bias float32 too),
   * returned in x's dtype. The norms diffusers keeps in float32 for bf16 runs (Wan's norm2) are these.
   */
  public static Tensor layerNormFloat32(Tensor x, Tensor weight, Tensor bias, double eps) {
    return Temporaries.freeing(() -> layerNorm(x.to(ScalarType.Float), weight, bias, eps).to(x.scalar_type()));
  }

  /** torch.nn.RMSNorm: x/√(mean(x²)+eps)·weight, computed in float32 and rounded once to x's dtype. */
  public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
    return torch.rms_norm(
        x,
        new long[] {x.size(-1)},
        weight == null ? new TensorOptional() : new TensorOptional(weight),
        new DoubleOptional(eps));
  }

  /**
   * transformers' {@code T5LayerNorm} (T5, mT5, UMT5), which diffusers' {@code normalization.RMSNorm}
   * (Qwen-Image's q/k and text norms) copies: x · rsqrt(mean(x²) + eps) with the mean square in
   * float32, no mean subtraction, no bias; in half precision the normalised value is cast to the
   * weight's dtype before the weight multiplies it. Differs from {@link #rmsNorm} in those roundings only.
   */
  public static Tensor t5LayerNorm(Tensor x, Tensor weight, double eps) {
    return Temporaries.freeing(() -> t5LayerNormKeepingTemporaries(x, weight, eps));
  }

  private static Tensor t5LayerNormKeepingTemporaries(Tensor x, Tensor weight, double eps) {
    Tensor variance = x.to(ScalarType.Float).pow(new Scalar(2.0)).mean(new long[] {-1}, true, new ScalarTypeOptional());
    Tensor normed = x.mul(torch.rsqrt(variance.add(new Scalar(eps))));
    int w = weight.scalar_type().value;
    if (w == ScalarType.Half.value || w == ScalarType.BFloat16.value) {
      normed = normed.to(weight.scalar_type());
    }
    return weight.mul(normed);
  }
}
