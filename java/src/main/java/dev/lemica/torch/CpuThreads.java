package dev.lemica.torch;

import dev.lemica.kernels.LemicaNative;
import dev.lemica.kernels.NativeKernels;

/**
 * Who uses the CPU cores: OpenBLAS inside each matrix product (the default), or parallel callers
 * each running single-threaded. Everything in LibTorch besides the matrix products (attention,
 * norms, activations) runs on one thread here, so two CFG branches on two threads, each with
 * one-thread BLAS, keep both cores busy where one stream leaves one idle between products.
 * OpenBLAS reads its thread count once at start-up, so this goes through the native library.
 */
public final class CpuThreads {
  private static int blasThreads = -1;

  private CpuThreads() {}

  public static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** Whether parallel callers can be given one-thread BLAS (needs the native library). */
  public static boolean canRunParallelCallers() {
    return cores() >= 2 && NativeKernels.isAvailable();
  }

  /** One BLAS thread per call: for several threads calling LibTorch at once. */
  public static synchronized void forParallelCallers() {
    setBlasThreads(1);
  }

  /** Every core for each BLAS call: for one thread calling LibTorch. */
  public static synchronized void forOneCaller() {
    setBlasThreads(cores());
  }

  private static void setBlasThreads(int n) {
    if (blasThreads == n || !NativeKernels.isAvailable()) {
      return;
    }
    LemicaNative.lemica_set_blas_threads(n);
    blasThreads = n;
  }
}
