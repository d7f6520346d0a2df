package dev.lemica.kernels;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.cuda.CUDAEvent;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * The CUDA side of the LibTorch preset (torch_cuda), touched only when CUDA is in use: on the CPU
 * build its native library does not exist, and merely initialising torch_cuda would fail. Nothing
 * else in this package names torch_cuda, so the JVM never loads it on a CPU machine.
 */
final class CudaSupport {
  private CudaSupport() {}

  /** LibTorch's current stream on CUDA device {@code index}, as a cudaStream_t. */
  static Pointer currentStream(int index) {
    try {
      CUDAStream stream = torch_cuda.getCurrentCUDAStream((byte) index);
      return stream.stream();
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw unavailable(e);
    }
  }

  /** Waits for all work queued on LibTorch's current stream of a device. */
  static void synchronize(int index) {
    try {
      torch_cuda.getCurrentCUDAStream((byte) index).synchronize();
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw unavailable(e);
    }
  }

  /** Whether LibTorch sees a CUDA device (false, never an error, on the CPU build). */
  static boolean cudaAvailable() {
    try {
      return org.bytedeco.pytorch.global.torch.cuda_is_available();
    } catch (Throwable t) {
      return false;
    }
  }

  private static IllegalStateException unavailable(Throwable cause) {
    return new IllegalStateException(
        "LibTorch's CUDA support (torch_cuda) could not be loaded: " + cause
            + ". The default build carries the CPU natives (build with -Pgpu); a -Pgpu build needs the"
            + " CUDA and cuDNN libraries on the library path",
        cause);
  }

  /** Times GPU work with two CUDA events on the current stream of one device. */
  static final class EventTimer implements Profiling.Timer {
    private final int device;
    private final CUDAEvent start;
    private final CUDAEvent end;
    private boolean stopped;

    EventTimer(int device) {
      this.device = device;
      try {
        // Flags 0 (cudaEventDefault): timing enabled; LibTorch's default disables it.
        this.start = new CUDAEvent(0);
        this.end = new CUDAEvent(0);
        start.record(torch_cuda.getCurrentCUDAStream((byte) device));
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        throw unavailable(e);
      }
    }

    @Override
    public void close() {
      if (!stopped) {
        end.record(torch_cuda.getCurrentCUDAStream((byte) device));
        stopped = true;
      }
    }

    @Override
    public double elapsedMillis() {
      close();
      end.synchronize();
      return start.elapsed_time(end);
    }
  }
}
