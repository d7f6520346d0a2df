package dev.lemica.torch;

import org.bytedeco.pytorch.global.torch;

/** Process-wide LibTorch settings, applied once before the first model runs. */
public final class TorchRuntime {
  private TorchRuntime() {}

  /**
   * Sets LibTorch's intra-op thread count. The default is one: the CPU build's BLAS spreads each
   * matmul over every core by itself, and stacking LibTorch's own pool on top made a Wan block six
   * times slower on a 2-core machine.
   */
  public static void configure(Integer intraOpThreads) {
    int n = intraOpThreads == null ? 1 : intraOpThreads;
    if (n < 1) {
      throw new IllegalArgumentException("--threads must be at least 1, got " + n);
    }
    torch.set_num_threads(n);
  }
}
