package dev.lemica.kernels;

import org.bytedeco.pytorch.Tensor;

/** {@link ResidualOps} as plain LibTorch expressions: {@code after.sub(before)}, {@code before.add(residual)}. */
public final class TorchResidualOps implements ResidualOps {
  public static final TorchResidualOps INSTANCE = new TorchResidualOps();

  private TorchResidualOps() {}

  @Override
  public Tensor store(Tensor after, Tensor before) {
    return after.sub(before);
  }

  @Override
  public Tensor apply(Tensor before, Tensor residual) {
    return before.add(residual);
  }

  @Override
  public String name() {
    return "torch";
  }
}
