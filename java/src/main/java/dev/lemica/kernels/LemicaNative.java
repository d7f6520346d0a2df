package dev.lemica.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code native/include/lemica_kernels.h}, one method per C function.
 *
 * <p>The build (see {@code java/pom.xml}) compiles {@code liblemica_kernels.so} with CMake and the JNI
 * glue {@code libjniLemicaNative.so} with the JavaCPP plugin, both into {@code
 * dev/lemica/kernels/linux-x86_64/} inside the classes folder and so inside the jar; {@link
 * Loader#load()} loads the C library first (it is this class's {@code link}) and then the glue, from
 * the folder or extracted from the jar into JavaCPP's cache.
 *
 * <p>Use {@link NativeKernels}, which checks tensors and turns failures into exceptions; this class
 * passes raw pointers and trusts them.
 */
@Platform(include = "lemica_kernels.h", link = "lemica_kernels")
public final class LemicaNative {
  static {
    Loader.load();
  }

  private LemicaNative() {}

  public static final int DTYPE_FLOAT32 = 0;
  public static final int DTYPE_BFLOAT16 = 1;
  public static final int DTYPE_FLOAT16 = 2;

  public static final int DEVICE_CPU = 0;
  public static final int DEVICE_CUDA = 1;

  public static final int OK = 0;
  public static final int ERR_INVALID_ARGUMENT = 1;
  public static final int ERR_UNSUPPORTED_DTYPE = 2;
  public static final int ERR_UNSUPPORTED_DEVICE = 3;
  public static final int ERR_CUDA_NOT_COMPILED = 4;
  public static final int ERR_CUDA = 5;

  public static native @Cast("const char*") BytePointer lemica_version();

  public static native int lemica_cuda_compiled();

  public static native @Cast("const char*") BytePointer lemica_last_error();

  public static native int lemica_set_num_threads(int threads);

  public static final int CPU_ISA_BASELINE = 0;
  public static final int CPU_ISA_AVX2 = 1;
  public static final int CPU_ISA_AVX512 = 2;

  public static native int lemica_set_blas_threads(int threads);

  public static native int lemica_blas_threads();

  public static native int lemica_cuda_memory(int device, @Cast("int64_t*") long[] freeBytes, @Cast("int64_t*") long[] totalBytes);

  public static native int lemica_cpu_isa();

  public static native int lemica_set_cpu_isa(int level);

  public static native int lemica_residual_store(
      Pointer residual,
      @Const Pointer after,
      @Const Pointer before,
      long n,
      int dtype,
      int device,
      Pointer stream);

  public static native int lemica_residual_apply(
      Pointer after,
      @Const Pointer before,
      @Const Pointer residual,
      long n,
      int dtype,
      int device,
      Pointer stream);

  public static native int lemica_mean_abs_error(
      @Cast("float*") Pointer outPerSample,
      @Const Pointer a,
      @Const Pointer b,
      long batch,
      long perSample,
      int dtype,
      int device,
      Pointer stream);

  public static native int lemica_modulate(
      Pointer out,
      @Const Pointer x,
      @Cast("const float*") Pointer shift,
      @Cast("const float*") Pointer scale,
      long batch,
      long tokens,
      long dim,
      long modTokens,
      float eps,
      int dtype,
      int device,
      Pointer stream);

  public static native int lemica_nvtx_compiled();

  public static native int lemica_nvtx_push(@Cast("const char*") BytePointer name);

  public static native int lemica_nvtx_push(String name);

  public static native int lemica_nvtx_pop();
}
