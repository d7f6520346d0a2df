package dev.lemica.cache;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The size of a block-stack residual as MagCache measures it: the L2 norm of each token's vector. */
public final class ResidualMagnitude {
  private ResidualMagnitude() {}

  /** Per-token L2 norms of a (batch, tokens, dim) residual, in float32: (batch, tokens). */
  public static Tensor perToken(Tensor residual) {
    return torch.linalg_vector_norm(residual.to(ScalarType.Float), new Scalar(2.0), new long[] {-1}, false, new ScalarTypeOptional());
  }

  /** The mean per-token L2 norm over every row and token. */
  public static double mean(Tensor residual) {
    return perToken(residual).mean().item_double();
  }
}
