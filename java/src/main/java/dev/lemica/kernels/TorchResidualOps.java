package dev.lemica.kernels;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

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
  public Tensor storeInto(Tensor residual, Tensor after, Tensor before) {
    return torch.sub_out(residual, after, before);
  }

  @Override
  public String name() {
    return "torch";
  }
}
