package dev.lemica.vae;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ScopedBlocks;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * How the VAEs keep memory down at full resolution, where one activation is hundreds of MB (a
 * 1024×1024 image at 128 channels is 512 MB in float32): intermediate results die as soon as the
 * next step has them, and the activation is applied in place.
 */
public final class ScopedSteps {
  private ScopedSteps() {}

  /** Steps applied in sequence, each in its own scope: an intermediate result is freed once the next step has run. */
  public static Tensor sequence(Tensor x, List<? extends UnaryOperator<Tensor>> steps) {
    return ScopedBlocks.run(steps.size(), x, (i, h) -> steps.get(i).apply(h), BlockObserver.NONE);
  }

  /**
   * SiLU (the VAEs' {@code non_linearity}) computed in place: every caller passes a tensor it just
   * made, so no one else sees it change, and one copy less is hundreds of MB. It returns the
   * argument, the wrapper the caller's scope owns, not the in-place call's result.
   */
  public static Tensor silu(Tensor freshTensor) {
    torch.silu_(freshTensor);
    return freshTensor;
  }
}
