package dev.lemica.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Inputs and comparisons shared by the kernel tests. */
final class KernelTesting {
  private KernelTesting() {}

  /** Shapes with odd element counts (no multiple of any vector width) and batch sizes 1 and 3. */
  static final long[][] SHAPES = {
    {1, 1, 1}, {1, 7, 3}, {1, 33, 17}, {3, 5, 13}, {3, 129, 65}, {1, 311, 1031}, {3, 97, 1537}
  };

  static final ScalarType[] DTYPES = {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half};

  /** A fresh seed, reported with every failure so that a failing case can be replayed. */
  static long freshSeed() {
    long seed = System.nanoTime() ^ Thread.currentThread().getId();
    torch.manual_seed(seed);
    return seed;
  }

  /** Normal values with scale 4 in dtype, on the device. */
  static Tensor random(long[] shape, ScalarType dtype, Device device) {
    return torch.randn(shape).mul(new Scalar(4.0)).to(device, dtype);
  }

  static Tensor random(long[] shape, ScalarType dtype) {
    return random(shape, dtype, new Device("cpu"));
  }

  /** An output buffer full of NaN: an element the kernel does not write fails the comparison. */
  static Tensor poisoned(long[] shape, ScalarType dtype, Device device) {
    Tensor t = Tensors.empty(shape, dtype).to(device, dtype);
    t.fill_(new Scalar(Float.NaN));
    return t;
  }

  static Tensor poisoned(long[] shape, ScalarType dtype) {
    return poisoned(shape, dtype, new Device("cpu"));
  }

  /** Same shape, dtype and every value, bit for bit where it matters (no NaN expected). */
  static void assertSameValues(Tensor expected, Tensor actual, String what) {
    assertEquals(Tensors.shapeString(expected), Tensors.shapeString(actual), what + ": shape");
    assertEquals(expected.scalar_type().value, actual.scalar_type().value, what + ": dtype");
    float[] e = Tensors.toFloats(expected);
    float[] a = Tensors.toFloats(actual);
    for (int i = 0; i < e.length; i++) {
      if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
        fail(what + ": element " + i + " of " + e.length + " is " + a[i] + ", expected " + e[i]);
      }
    }
  }

  /** |actual − expected| ≤ ulps units in the last place of dtype at expected, everywhere. */
  static void assertWithinUlps(Tensor expected, Tensor actual, int ulps, String what) {
    assertEquals(Tensors.shapeString(expected), Tensors.shapeString(actual), what + ": shape");
    int v = expected.scalar_type().value;
    // float32 has 23 mantissa bits, bfloat16 7 and float16 10: scale float32's ulp accordingly.
    double scale = v == ScalarType.BFloat16.value ? 65536 : v == ScalarType.Half.value ? 8192 : 1;
    float[] e = Tensors.toFloats(expected);
    float[] a = Tensors.toFloats(actual);
    for (int i = 0; i < e.length; i++) {
      assertTrue(Float.isFinite(a[i]), what + ": element " + i + " is " + a[i]);
      // Near zero fall back to an absolute bound of the same size at 2^-10.
      double ulp = Math.max(Math.ulp(e[i]), Math.ulp(1e-3f)) * scale;
      double diff = Math.abs((double) a[i] - e[i]);
      if (diff > ulps * ulp) {
        fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (" + diff / ulp
            + " ulp)");
      }
    }
  }

  /** |actual − expected| ≤ absolute + relative·|expected|, everywhere. */
  static void assertClose(Tensor expected, Tensor actual, double absolute, double relative, String what) {
    assertEquals(Tensors.shapeString(expected), Tensors.shapeString(actual), what + ": shape");
    float[] e = Tensors.toFloats(expected);
    float[] a = Tensors.toFloats(actual);
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs((double) a[i] - e[i]);
      if (!(diff <= absolute + relative * Math.abs(e[i]))) {
        fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (diff " + diff + ")");
      }
    }
  }

  /** Largest |a − b| / max(|b|, tiny) over the elements. */
  static double maxRelativeError(float[] actual, double[] expected) {
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double denominator = Math.max(Math.abs(expected[i]), 1e-30);
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / denominator);
    }
    return worst;
  }

  static double[] toDoubles(Tensor t) {
    float[] f = Tensors.toFloats(t);
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** The exact per-sample mean |a − b| of a and b's values, in double. */
  static double[] exactMeanAbsError(Tensor a, Tensor b) {
    float[] x = Tensors.toFloats(a);
    float[] y = Tensors.toFloats(b);
    int batch = (int) a.size(0);
    int per = batch == 0 ? 0 : x.length / batch;
    double[] out = new double[batch];
    for (int s = 0; s < batch; s++) {
      double sum = 0;
      for (int i = s * per; i < (s + 1) * per; i++) {
        sum += Math.abs((double) x[i] - (double) y[i]);
      }
      out[s] = sum / per;
    }
    return out;
  }

  static String describe(long[] shape, ScalarType dtype, long seed) {
    return java.util.Arrays.toString(shape) + " " + dtype + " seed " + seed;
  }
}
