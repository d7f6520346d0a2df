package dev.lemica.calibration;

import dev.lemica.kernels.NativeKernels;
import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The calibration metric: mean absolute error of each sample's final output against the reference. */
public final class OutputError {
  public static final String METRIC = "mean-abs-error-final-output";

  private OutputError() {}

  /** {@code t} stacked {@code times} times along the batch dimension, whatever its rank. */
  static Tensor repeatBatch(Tensor t, int times) {
    long[] repeats = new long[(int) t.dim()];
    java.util.Arrays.fill(repeats, 1);
    repeats[0] = times;
    return t.repeat(repeats);
  }

  /**
   * mean |a − b| over each sample (row of dim 0), accumulated in float32: one fused pass with the
   * native kernel where it takes the tensors, else LibTorch (which materialises |a − b|).
   */
  public static float[] perSample(Tensor a, Tensor b) {
    if (!Tensors.sameShape(a, b)) {
      throw new IllegalArgumentException("outputs differ in shape: " + Tensors.shapeString(a) + " vs " + Tensors.shapeString(b));
    }
    if (NativeKernels.isAvailable() && NativeKernels.accepts(a, b)) {
      return Tensors.toFloats(NativeKernels.meanAbsError(a, b));
    }
    Tensor diff = a.to(ScalarType.Float).sub(b.to(ScalarType.Float)).abs();
    return Tensors.toFloats(diff.flatten(1, -1).mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
  }
}
