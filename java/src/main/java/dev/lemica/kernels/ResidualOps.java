package dev.lemica.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * The residual cache's two tensor operations, so that the cache can run on plain LibTorch or on
 * LeMiCa's fused kernels. Both return new tensors with the inputs' shape, dtype and device.
 */
public interface ResidualOps {
  /** {@code after − before}: what a computing step stores. */
  Tensor store(Tensor after, Tensor before);

  /** {@code before + residual}: what a reusing step returns. */
  Tensor apply(Tensor before, Tensor residual);

  /**
   * {@code after − before} written into {@code residual} (same shape and dtype, contiguous), which
   * is returned: a cache that overwrites its previous residual saves allocating one per computing
   * step, which on a CPU costs more than the subtraction at video sizes.
   */
  Tensor storeInto(Tensor residual, Tensor after, Tensor before);

  /** A short name for logs and benchmarks. */
  String name();

  /** Plain LibTorch. */
  static ResidualOps torch() {
    return TorchResidualOps.INSTANCE;
  }

  /** The native kernels, falling back to LibTorch for tensors they do not take. */
  static ResidualOps nativeKernels() {
    return new NativeResidualOps(true);
  }

  /**
   * The fastest measured: the native kernels for CPU tensors where the library loaded, LibTorch for
   * CUDA tensors (see {@link PerDeviceResidualOps}) and wherever the library is missing.
   */
  static ResidualOps preferred() {
    return NativeKernels.isAvailable() ? new PerDeviceResidualOps(nativeKernels(), torch()) : torch();
  }
}
