package dev.lemica.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** float16 overflows to inf where bfloat16 and float32 do not; diffusers clips residual streams. */
public final class HalfPrecision {
  private HalfPrecision() {}

  /** x clamped to ±65504 when it is float16, else x itself. */
  public static Tensor clip(Tensor x) {
    if (x.scalar_type().value != ScalarType.Half.value) {
      return x;
    }
    return torch.clamp(x, new ScalarOptional(new Scalar(-65504.0)), new ScalarOptional(new Scalar(65504.0)));
  }
}
