package dev.lemica.kernels;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LeMiCa's own kernels on LibTorch tensors: the residual cache's fused store and apply, the
 * per-sample mean absolute error of calibration, and the adaLN modulation.
 *
 * <p>Every tensor must be defined, contiguous, float32, bfloat16 or float16 (modulate's shift and
 * scale float32), on the CPU or a CUDA device, and all tensors of a call on the same device;
 * anything else is an {@link IllegalArgumentException} naming the argument. The {@code ...Into}
 * forms write into a caller's buffer, which may be one of the inputs (in place) but must not
 * partly overlap them. CUDA calls enqueue on LibTorch's current stream of the tensors' device and
 * never synchronise with the host.
 *
 * <p>Results: residuals are bit-identical to {@code after.sub(before)} and {@code
 * before.add(residual)} (float arithmetic, one rounding to nearest even); mean absolute errors are
 * float32 sums of float32 differences, so they are closer to the exact value than LibTorch's
 * bfloat16 {@code a.sub(b).abs().mean(...)}.
 */
public final class NativeKernels {
  private static final Throwable LOAD_FAILURE;
  private static final boolean CUDA_COMPILED;

  static {
    Throwable failure = null;
    boolean cuda = false;
    try {
      cuda = LemicaNative.lemica_cuda_compiled() != 0;
      // The CPU kernels use as many threads as LibTorch's intra-op pool.
      LemicaNative.lemica_set_num_threads(Math.max(1, torch.get_num_threads()));
    } catch (Throwable t) {
      failure = t;
    }
    LOAD_FAILURE = failure;
    CUDA_COMPILED = cuda;
  }

  private NativeKernels() {}

  /** Whether liblemica_kernels and its JNI glue loaded. */
  public static boolean isAvailable() {
    return LOAD_FAILURE == null;
  }

  /** Throws an IllegalStateException explaining why the library did not load, if it did not. */
  public static void requireAvailable() {
    if (LOAD_FAILURE != null) {
      throw new IllegalStateException(
          "the native kernels (liblemica_kernels.so) did not load: " + LOAD_FAILURE
              + "; they are built by `mvn` in the java module (CMake and a C++ compiler needed)",
          LOAD_FAILURE);
    }
  }

  /** Whether the library holds CUDA kernels (it was built where nvcc was found). */
  public static boolean cudaCompiled() {
    requireAvailable();
    return CUDA_COMPILED;
  }

  public static String version() {
    requireAvailable();
    return LemicaNative.lemica_version().getString();
  }

  /** {@code after − before} in a new tensor: the cache's store on a computing step. */
  public static Tensor residualStore(Tensor after, Tensor before) {
    Call c = Call.of("residualStore", new String[] {"after", "before"}, after, before);
    return residualStoreChecked(c, torch.empty_like(after), after, before);
  }

  /** {@code residual = after − before} into {@code residual}; returns it. */
  public static Tensor residualStoreInto(Tensor residual, Tensor after, Tensor before) {
    Call c =
        Call.of(
            "residualStoreInto",
            new String[] {"residual", "after", "before"},
            residual,
            after,
            before);
    c.checkOutput(0);
    return residualStoreChecked(c, residual, after, before);
  }

  private static Tensor residualStoreChecked(Call c, Tensor residual, Tensor after, Tensor before) {
    c.check(
        LemicaNative.lemica_residual_store(
            residual.mutable_data_ptr(),
            after.const_data_ptr(),
            before.const_data_ptr(),
            c.numel,
            c.dtype,
            c.device,
            c.stream()));
    return residual;
  }

  /** {@code before + residual} in a new tensor: the cache's output on a reusing step. */
  public static Tensor residualApply(Tensor before, Tensor residual) {
    Call c = Call.of("residualApply", new String[] {"before", "residual"}, before, residual);
    return residualApplyChecked(c, torch.empty_like(before), before, residual);
  }

  /** {@code after = before + residual} into {@code after}; returns it. */
  public static Tensor residualApplyInto(Tensor after, Tensor before, Tensor residual) {
    Call c =
        Call.of(
            "residualApplyInto",
            new String[] {"after", "before", "residual"},
            after,
            before,
            residual);
    c.checkOutput(0);
    return residualApplyChecked(c, after, before, residual);
  }

  private static Tensor residualApplyChecked(Call c, Tensor after, Tensor before, Tensor residual) {
    c.check(
        LemicaNative.lemica_residual_apply(
            after.mutable_data_ptr(),
            before.const_data_ptr(),
            residual.const_data_ptr(),
            c.numel,
            c.dtype,
            c.device,
            c.stream()));
    return after;
  }

  /**
   * Per-sample mean absolute error: a float32 tensor {@code (batch,)}, on the inputs' device, with
   * {@code err[s] = mean(|a[s,...] − b[s,...]|)}. Nothing is read back to the host.
   */
  public static Tensor meanAbsError(Tensor a, Tensor b) {
    Call c = Call.of("meanAbsError", new String[] {"a", "b"}, a, b);
    long batch = c.batch();
    Tensor out =
        torch.empty(
            new long[] {batch},
            new TensorOptions(a.device()).dtype(new ScalarTypeOptional(ScalarType.Float)),
            new MemoryFormatOptional());
    return meanAbsErrorChecked(c, out, a, b);
  }

  /** {@link #meanAbsError(Tensor, Tensor)} into {@code out}, float32 with one element per sample. */
  public static Tensor meanAbsErrorInto(Tensor out, Tensor a, Tensor b) {
    Call c = Call.of("meanAbsErrorInto", new String[] {"a", "b"}, a, b);
    long batch = c.batch();
    Call.requireFloat32Buffer("meanAbsErrorInto", "out", out, batch, a);
    return meanAbsErrorChecked(c, out, a, b);
  }

  private static Tensor meanAbsErrorChecked(Call c, Tensor out, Tensor a, Tensor b) {
    long batch = c.batch();
    c.check(
        LemicaNative.lemica_mean_abs_error(
            out.mutable_data_ptr(),
            a.const_data_ptr(),
            b.const_data_ptr(),
            batch,
            batch == 0 ? 0 : c.numel / batch,
            c.dtype,
            c.device,
            c.stream()));
    return out;
  }

  /**
   * adaLN modulation {@code layer_norm(x)·(1 + scale) + shift} (LayerNorm without affine weights,
   * over the last dimension), in x's dtype: x is (batch, tokens, dim); shift and scale are float32
   * (batch, 1, dim) or (batch, tokens, dim). Equals {@code addcmul(shift,
   * layer_norm(x.float()), scale + 1).to(x.dtype)} up to float32 rounding.
   */
  public static Tensor modulate(Tensor x, Tensor shift, Tensor scale, double eps) {
    Call c = Call.of("modulate", new String[] {"x"}, x);
    if (x.dim() != 3) {
      throw new IllegalArgumentException(
          "modulate: x must be (batch, tokens, dim), got " + Tensors.shapeString(x));
    }
    long batch = x.size(0);
    long tokens = x.size(1);
    long dim = x.size(2);
    long modTokens = checkModulation("shift", shift, x);
    if (checkModulation("scale", scale, x) != modTokens) {
      throw new IllegalArgumentException(
          "modulate: shift " + Tensors.shapeString(shift) + " and scale "
              + Tensors.shapeString(scale) + " differ in shape");
    }
    Tensor out = torch.empty_like(x);
    c.check(
        LemicaNative.lemica_modulate(
            out.mutable_data_ptr(),
            x.const_data_ptr(),
            shift.const_data_ptr(),
            scale.const_data_ptr(),
            batch,
            tokens,
            dim,
            modTokens,
            (float) eps,
            c.dtype,
            c.device,
            c.stream()));
    return out;
  }

  private static long checkModulation(String name, Tensor m, Tensor x) {
    String what = "modulate: " + name;
    Call.requireDefined(what, m);
    if (m.scalar_type().value != ScalarType.Float.value) {
      throw new IllegalArgumentException(what + " must be float32, got " + m.scalar_type());
    }
    if (m.dim() != 3
        || m.size(0) != x.size(0)
        || m.size(2) != x.size(2)
        || (m.size(1) != 1 && m.size(1) != x.size(1))) {
      throw new IllegalArgumentException(
          what + " " + Tensors.shapeString(m) + " must be (" + x.size(0) + ", 1 or " + x.size(1)
              + ", " + x.size(2) + ") for x " + Tensors.shapeString(x));
    }
    Call.requireContiguous(what, m);
    Call.requireSameDevice(what, m, x);
    return m.size(1);
  }

  /**
   * Whether the kernels take these tensors as they are (defined, contiguous, one shape, one
   * supported dtype, one CPU or CUDA device the library supports): what {@link
   * NativeResidualOps} asks before choosing between the kernels and LibTorch.
   */
  public static boolean accepts(Tensor... tensors) {
    if (!isAvailable() || tensors.length == 0) {
      return false;
    }
    try {
      String[] names = new String[tensors.length];
      java.util.Arrays.fill(names, "t");
      Call.of("accepts", names, tensors);
      return true;
    } catch (IllegalArgumentException | IllegalStateException e) {
      return false;
    }
  }

  /** Argument checks shared by every call, and what they establish. */
  private static final class Call {
    final String op;
    final String[] names;
    final Tensor[] tensors;
    final Tensor first;
    final long numel;
    final int dtype;
    final int device;
    final int deviceIndex;

    private Call(String op, String[] names, Tensor[] tensors, int dtype, int device, int deviceIndex) {
      this.op = op;
      this.names = names;
      this.tensors = tensors;
      this.first = tensors[0];
      this.numel = first.numel();
      this.dtype = dtype;
      this.device = device;
      this.deviceIndex = deviceIndex;
    }

    static Call of(String op, String[] names, Tensor... tensors) {
      requireAvailable();
      for (int i = 0; i < tensors.length; i++) {
        requireDefined(op + ": " + names[i], tensors[i]);
      }
      Tensor first = tensors[0];
      for (int i = 1; i < tensors.length; i++) {
        if (!Tensors.sameShape(first, tensors[i])) {
          throw new IllegalArgumentException(
              op + ": " + names[i] + " " + Tensors.shapeString(tensors[i]) + " and " + names[0]
                  + " " + Tensors.shapeString(first) + " differ in shape");
        }
        if (tensors[i].scalar_type().value != first.scalar_type().value) {
          throw new IllegalArgumentException(
              op + ": " + names[i] + " is " + tensors[i].scalar_type() + " but " + names[0]
                  + " is " + first.scalar_type());
        }
        requireSameDevice(op + ": " + names[i], tensors[i], first);
      }
      for (int i = 0; i < tensors.length; i++) {
        requireContiguous(op + ": " + names[i], tensors[i]);
      }
      int dtype = dtypeCode(op + ": " + names[0], first);
      int device;
      int index = -1;
      if (first.is_cpu()) {
        device = LemicaNative.DEVICE_CPU;
      } else if (first.is_cuda()) {
        if (!CUDA_COMPILED) {
          throw new IllegalStateException(
              op + ": CUDA tensors need the CUDA kernels, but liblemica_kernels.so was built"
                  + " without them (no nvcc at build time); rebuild with a CUDA toolkit"
                  + " (mvn -Dlemica.cuda=ON ...)");
        }
        device = LemicaNative.DEVICE_CUDA;
        index = first.device().index();
      } else {
        throw new IllegalArgumentException(
            op + ": " + names[0] + " is on " + first.device().str().getString()
                + "; the kernels run on cpu and cuda only");
      }
      return new Call(op, names, tensors, dtype, device, index);
    }

    /**
     * The output (index i of the checked tensors) may be one of the inputs, element for element,
     * but must not partly overlap one: shapes and dtypes are equal, so a different start address
     * less than a buffer's length away is a partial overlap.
     */
    void checkOutput(int i) {
      long bytes = tensors[i].nbytes();
      long out = tensors[i].const_data_ptr().address();
      for (int j = 0; j < tensors.length; j++) {
        long in = tensors[j].const_data_ptr().address();
        if (j != i && in != out && Math.abs(in - out) < bytes) {
          throw new IllegalArgumentException(
              op + ": " + names[i] + " partly overlaps " + names[j]
                  + " (in place is fine, shifted views of one buffer are not)");
        }
      }
    }

    long batch() {
      if (first.dim() < 1) {
        throw new IllegalArgumentException(
            op + ": needs a batch dimension, got a " + first.dim() + "-d tensor");
      }
      return first.size(0);
    }

    Pointer stream() {
      return device == LemicaNative.DEVICE_CUDA ? CudaSupport.currentStream(deviceIndex) : null;
    }

    void check(int rc) {
      if (rc != LemicaNative.OK) {
        throw new KernelException(rc, op + ": " + LemicaNative.lemica_last_error().getString());
      }
    }

    static void requireDefined(String what, Tensor t) {
      if (t == null || t.isNull() || !t.defined()) {
        throw new IllegalArgumentException(what + " is null or undefined");
      }
    }

    static void requireContiguous(String what, Tensor t) {
      if (!t.is_contiguous()) {
        throw new IllegalArgumentException(
            what + " " + Tensors.shapeString(t) + " is not contiguous (call .contiguous() first)");
      }
    }

    static void requireSameDevice(String what, Tensor t, Tensor reference) {
      if (!t.device().equals(reference.device())) {
        throw new IllegalArgumentException(
            what + " is on " + t.device().str().getString() + ", the others on "
                + reference.device().str().getString());
      }
    }

    static void requireFloat32Buffer(String op, String name, Tensor out, long elements, Tensor like) {
      requireDefined(op + ": " + name, out);
      if (out.scalar_type().value != ScalarType.Float.value || out.numel() != elements) {
        throw new IllegalArgumentException(
            op + ": " + name + " must be float32 with " + elements + " elements, got "
                + out.scalar_type() + " " + Tensors.shapeString(out));
      }
      requireContiguous(op + ": " + name, out);
      requireSameDevice(op + ": " + name, out, like);
    }

    static int dtypeCode(String what, Tensor t) {
      int v = t.scalar_type().value;
      if (v == ScalarType.Float.value) {
        return LemicaNative.DTYPE_FLOAT32;
      }
      if (v == ScalarType.BFloat16.value) {
        return LemicaNative.DTYPE_BFLOAT16;
      }
      if (v == ScalarType.Half.value) {
        return LemicaNative.DTYPE_FLOAT16;
      }
      throw new IllegalArgumentException(
          what + " is " + t.scalar_type() + "; the kernels take float32, bfloat16 and float16");
    }
  }
}
