package dev.lemica.torch;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Small conveniences over the JavaCPP preset that every package needs. */
public final class Tensors {
  private Tensors() {}

  public static long[] shape(Tensor t) {
    long[] s = new long[(int) t.dim()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.size(i);
    }
    return s;
  }

  public static boolean sameShape(Tensor a, Tensor b) {
    return java.util.Arrays.equals(shape(a), shape(b));
  }

  public static String shapeString(Tensor t) {
    return java.util.Arrays.toString(shape(t));
  }

  public static Tensor empty(long[] shape, ScalarType type) {
    return torch.empty(shape, new TensorOptions(type), new MemoryFormatOptional());
  }

  /** A CPU float32 tensor holding a copy of {@code data}. */
  public static Tensor fromFloats(float[] data, long... shape) {
    Tensor t = empty(shape, ScalarType.Float);
    new FloatPointer(t.mutable_data_ptr()).capacity(data.length).put(data);
    return t;
  }

  /** A CPU int64 tensor holding a copy of {@code data}. */
  public static Tensor fromLongs(long[] data, long... shape) {
    Tensor t = empty(shape, ScalarType.Long);
    new LongPointer(t.mutable_data_ptr()).capacity(data.length).put(data);
    return t;
  }

  /** A CPU float64 tensor holding a copy of {@code data}. */
  public static Tensor fromDoubles(double[] data, long... shape) {
    Tensor t = empty(shape, ScalarType.Double);
    new DoublePointer(t.mutable_data_ptr()).capacity(data.length).put(data);
    return t;
  }

  /** Copies any tensor (any device) into a Java double array, row-major. */
  public static double[] toDoubles(Tensor t) {
    Tensor cpu = t.to(new Device(torch.DeviceType.CPU), ScalarType.Double).contiguous();
    double[] out = new double[(int) cpu.numel()];
    new DoublePointer(cpu.const_data_ptr()).capacity(out.length).get(out);
    return out;
  }

  /** Copies any tensor (any device, dtype, layout) into a Java float array. */
  public static float[] toFloats(Tensor t) {
    Tensor cpu = t.to(new Device(torch.DeviceType.CPU), ScalarType.Float).contiguous();
    float[] out = new float[(int) cpu.numel()];
    new FloatPointer(cpu.const_data_ptr()).capacity(out.length).get(out);
    return out;
  }

  /** Copies an integer tensor (any device) into a Java long array, row-major. */
  public static long[] toLongs(Tensor t) {
    Tensor cpu = t.to(new Device(torch.DeviceType.CPU), ScalarType.Long).contiguous();
    long[] out = new long[(int) cpu.numel()];
    new LongPointer(cpu.const_data_ptr()).capacity(out.length).get(out);
    return out;
  }

  /** ‖a − b‖ / ‖b‖ in float64, the project's yardstick for "same result". */
  public static double relativeL2(Tensor ours, Tensor reference) {
    float[] a = toFloats(ours);
    float[] b = toFloats(reference);
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "shapes differ: " + shapeString(ours) + " vs " + shapeString(reference));
    }
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      diff += d * d;
      norm += (double) b[i] * b[i];
    }
    return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
  }
}
