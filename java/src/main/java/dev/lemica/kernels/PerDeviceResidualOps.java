package dev.lemica.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * One {@link ResidualOps} for CPU tensors and another for CUDA tensors, chosen per call by where
 * the hidden states live.
 *
 * <p>Why the default splits: on the CPU the native kernels tie with LibTorch at the Wan size and
 * beat it on small bf16 tensors; on an H200, LibTorch's elementwise {@code sub}/{@code add}
 * already run at memory bandwidth and our CUDA residual kernels measured 12–20 % slower
 * (benchmarks/RESULTS.md, "GPU").
 */
final class PerDeviceResidualOps implements ResidualOps {
  private final ResidualOps cpu;
  private final ResidualOps cuda;

  PerDeviceResidualOps(ResidualOps cpu, ResidualOps cuda) {
    this.cpu = cpu;
    this.cuda = cuda;
  }

  private ResidualOps on(Tensor t) {
    return t.is_cuda() ? cuda : cpu;
  }

  @Override
  public Tensor store(Tensor after, Tensor before) {
    return on(after).store(after, before);
  }

  @Override
  public Tensor apply(Tensor before, Tensor residual) {
    return on(before).apply(before, residual);
  }

  @Override
  public Tensor storeInto(Tensor residual, Tensor after, Tensor before) {
    return on(after).storeInto(residual, after, before);
  }

  @Override
  public String name() {
    return cpu.name() + " on cpu, " + cuda.name() + " on cuda";
  }
}
