package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * diffusers' AdaLayerNormContinuous with a plain LayerNorm (the {@code norm_out} of FLUX and
 * Qwen-Image): {@code LN(x)·(1+scale)+shift}, scale and shift from {@code linear(silu(cond))} in that
 * order (scale first, unlike the adaLN-Zero norms), all in x's dtype.
 */
public final class AdaLayerNormContinuous {
  private final AdaLnModulation modulation;
  private final double eps;

  public AdaLayerNormContinuous(Linear linear, double eps) {
    this.modulation = new AdaLnModulation(linear, 2);
    this.eps = eps;
  }

  /** @param conditioning (batch, conditioning_dim); silu(conditioning) is cast to x's dtype before the projection */
  public Tensor apply(Tensor x, Tensor conditioning) {
    TensorVector scaleShift = modulation.apply(conditioning, x.scalar_type());
    return AdaLn.modulateLayerNorm(x, scaleShift.get(1), scaleShift.get(0), eps);
  }
}
