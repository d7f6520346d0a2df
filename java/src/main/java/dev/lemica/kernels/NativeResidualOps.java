package dev.lemica.kernels;

import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.Tensor;

/**
 * {@link ResidualOps} on the fused native kernels ({@link NativeKernels#residualStore},
 * {@link NativeKernels#residualApply}).
 *
 * <p>The kernels take contiguous tensors of one shape and dtype only. With {@code fallback} (the
 * default of {@link ResidualOps#nativeKernels()}) other inputs go to LibTorch, whose results are
 * the same; {@link #fallbackCalls()} counts them, so a caller can see that, for instance, the
 * hidden states it passes are a transposed view. Without it they are an IllegalArgumentException.
 */
public final class NativeResidualOps implements ResidualOps {
  private final boolean fallback;
  private final AtomicLong nativeCalls = new AtomicLong();
  private final AtomicLong fallbackCalls = new AtomicLong();

  public NativeResidualOps(boolean fallback) {
    NativeKernels.requireAvailable();
    this.fallback = fallback;
  }

  @Override
  public Tensor store(Tensor after, Tensor before) {
    if (fallback && !NativeKernels.accepts(after, before)) {
      fallbackCalls.incrementAndGet();
      return TorchResidualOps.INSTANCE.store(after, before);
    }
    nativeCalls.incrementAndGet();
    return NativeKernels.residualStore(after, before);
  }

  @Override
  public Tensor apply(Tensor before, Tensor residual) {
    if (fallback && !NativeKernels.accepts(before, residual)) {
      fallbackCalls.incrementAndGet();
      return TorchResidualOps.INSTANCE.apply(before, residual);
    }
    nativeCalls.incrementAndGet();
    return NativeKernels.residualApply(before, residual);
  }

  @Override
  public Tensor storeInto(Tensor residual, Tensor after, Tensor before) {
    if (fallback && !NativeKernels.accepts(residual, after, before)) {
      fallbackCalls.incrementAndGet();
      return TorchResidualOps.INSTANCE.storeInto(residual, after, before);
    }
    nativeCalls.incrementAndGet();
    return NativeKernels.residualStoreInto(residual, after, before);
  }

  @Override
  public String name() {
    return "native";
  }

  /** Calls the kernels ran. */
  public long nativeCalls() {
    return nativeCalls.get();
  }

  /** Calls handed to LibTorch because the kernels do not take their tensors. */
  public long fallbackCalls() {
    return fallbackCalls.get();
  }
}
