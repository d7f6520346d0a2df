package dev.lemica.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * NVTX ranges and GPU timers for profiling with Nsight Systems.
 *
 * <p>Ranges go through liblemica_kernels, which carries NVTX3 (header-only: no libnvToolsExt, and
 * no cost unless a profiler is attached) when it was built with CUDA. The cuda preset
 * (org.bytedeco:cuda 13.1) has no NVTX binding any more (CUDA 13 dropped libnvToolsExt), and its
 * cudart binding would need natives that the CPU build does not ship; CUDA events come from
 * LibTorch's own {@code CUDAEvent} instead, which the GPU build of the pytorch preset carries.
 *
 * <pre>{@code
 * try (Profiling.Range r = Profiling.range("step 12: reuse")) { ... }
 * }</pre>
 */
public final class Profiling {
  private Profiling() {}

  /** An open range or timer; closing it never throws. */
  public interface Range extends AutoCloseable {
    @Override
    void close();
  }

  /** Measures the time between its creation and its {@link #close()}. */
  public interface Timer extends Range {
    /** Milliseconds between start and close (closes it first; waits for the GPU if needed). */
    double elapsedMillis();
  }

  /** A range that does nothing: what callers use when NVTX is off, to skip building names. */
  public static final Range NO_RANGE = () -> {};

  private static final class Lazy {
    static final boolean NVTX = detectNvtx();

    private static boolean detectNvtx() {
      try {
        return NativeKernels.isAvailable()
            && LemicaNative.lemica_nvtx_compiled() != 0
            && CudaSupport.cudaAvailable();
      } catch (Throwable t) {
        return false;
      }
    }
  }

  /** Whether {@link #range} emits NVTX ranges: CUDA in use and NVTX compiled into the library. */
  public static boolean nvtxEnabled() {
    return Lazy.NVTX;
  }

  /** Pushes an NVTX range named {@code name}, popped by close(); a no-op on CPU machines. */
  public static Range range(String name) {
    if (!Lazy.NVTX) {
      return NO_RANGE;
    }
    LemicaNative.lemica_nvtx_push(name);
    return new Range() {
      private boolean open = true;

      @Override
      public void close() {
        if (open) {
          open = false;
          LemicaNative.lemica_nvtx_pop();
        }
      }
    };
  }

  /**
   * A timer for work on {@code like}'s device: CUDA events on LibTorch's current stream for CUDA
   * tensors (GPU time, no host synchronisation until {@link Timer#elapsedMillis()}), wall-clock
   * time for CPU tensors.
   */
  public static Timer timer(Tensor like) {
    if (like.is_cuda()) {
      return new CudaSupport.EventTimer(like.device().index());
    }
    return wallClock();
  }

  /** Waits until the device of {@code like} has finished its queued work (a no-op on the CPU). */
  public static void synchronize(Tensor like) {
    if (like.is_cuda()) {
      CudaSupport.synchronize(like.device().index());
    }
  }

  /**
   * Free and total bytes of a CUDA device as the driver sees them (LibTorch's caching allocator
   * counts as used); empty without CUDA or without the CUDA build of the native library.
   */
  public static java.util.Optional<long[]> cudaMemory(int device) {
    if (!NativeKernels.isAvailable() || LemicaNative.lemica_cuda_compiled() == 0 || !CudaSupport.cudaAvailable()) {
      return java.util.Optional.empty();
    }
    long[] free = new long[1];
    long[] total = new long[1];
    if (LemicaNative.lemica_cuda_memory(device, free, total) != 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new long[] {free[0], total[0]});
  }

  /** A wall-clock timer. */
  public static Timer wallClock() {
    long start = System.nanoTime();
    return new Timer() {
      private long end = -1;

      @Override
      public void close() {
        if (end < 0) {
          end = System.nanoTime();
        }
      }

      @Override
      public double elapsedMillis() {
        close();
        return (end - start) / 1e6;
      }
    };
  }
}
