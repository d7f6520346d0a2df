package dev.lemica.nn;

import dev.lemica.torch.Temporaries;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * adaLN modulation, {@code norm(x)·(1+scale)+shift}, with shift and scale (batch, 1, dim) or
 * (batch, tokens, dim). Which dtype it runs in is the family's rule in diffusers: Wan keeps norm and
 * modulation in float32 ({@link #modulateFloat32}); FLUX and Qwen-Image run them in the compute
 * dtype ({@link #modulateLayerNorm}).
 */
public final class AdaLn {
  private AdaLn() {}

  /** normed·(1+scale)+shift; addcmul does the affine part in one pass. */
  public static Tensor modulate(Tensor normed, Tensor shift, Tensor scale) {
    return torch.addcmul(shift, normed, scale.add(new Scalar(1.0)));
  }

  /**
   * LayerNorm (no affine) of x in float32, modulated by float32 shift and scale, returned in x's
   * dtype: diffusers' Wan {@code (norm(x.float())·(1+scale)+shift).type_as(x)}.
   */
  public static Tensor modulateFloat32(Tensor x, Tensor shift, Tensor scale, double eps) {
    return Temporaries.freeing(() -> modulate(Norms.layerNorm(x.to(ScalarType.Float), null, null, eps), shift, scale).to(x.scalar_type()));
  }

  /** LayerNorm (no affine) of x, modulated, all in the dtype of x, shift and scale. */
  public static Tensor modulateLayerNorm(Tensor x, Tensor shift, Tensor scale, double eps) {
    return Temporaries.freeing(() -> modulate(Norms.layerNorm(x, null, null, eps), shift, scale));
  }

  /**
   * residual + gate·update computed in float32 (gate float32) and returned in residual's dtype:
   * diffusers' Wan {@code (hidden.float() + out.float() * gate).type_as(hidden)}.
   */
  public static Tensor gatedResidualFloat32(Tensor residual, Tensor update, Tensor gate) {
    return Temporaries.freeing(
        () -> gatedResidual(residual.to(ScalarType.Float), update.to(ScalarType.Float), gate).to(residual.scalar_type()));
  }

  /** residual + gate·update, the gated residual of adaLN-Zero blocks, in one pass. */
  public static Tensor gatedResidual(Tensor residual, Tensor update, Tensor gate) {
    return torch.addcmul(residual, update, gate);
  }
}
