package dev.lemica.model;

import dev.lemica.kernels.Profiling;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs a stack of blocks with each block's temporaries freed when that block ends, not when the
 * caller's scope does: at 480p a Wan block makes several GiB of them, and 24 UMT5-XXL blocks at
 * 512 tokens would hold every attention matrix at once. The result (and, when observed, every
 * block's output) belongs to the caller's innermost {@link PointerScope}.
 */
public final class ScopedBlocks {
  /** One block: the hidden state after block {@code index} given the one before it. */
  @FunctionalInterface
  public interface Block {
    Tensor apply(int index, Tensor hidden);
  }

  private ScopedBlocks() {}

  public static Tensor run(int count, Tensor input, Block block, BlockObserver observer) {
    PointerScope caller = PointerScope.getInnerScope();
    boolean observed = observer != BlockObserver.NONE;
    boolean nvtx = Profiling.nvtxEnabled();
    Tensor h = input;
    for (int i = 0; i < count; i++) {
      Tensor next;
      try (PointerScope blockScope = new PointerScope();
          Profiling.Range range = nvtx ? Profiling.range("block " + i) : Profiling.NO_RANGE) {
        next = block.apply(i, h);
        next.retainReference();
      }
      if (observed) {
        // An observer may keep every block's output until the caller's scope ends.
        handTo(caller, next);
      } else if (h != input) {
        h.releaseReference();
      }
      observer.blockDone(i, next);
      h = next;
    }
    if (!observed && h != input) {
      handTo(caller, h);
    }
    return h;
  }

  /**
   * Steps applied in sequence, each in its own scope, unobserved: an intermediate result is freed
   * once the next step has run (in the video VAEs each is hundreds of MB).
   */
  public static Tensor sequence(Tensor input, List<? extends UnaryOperator<Tensor>> steps) {
    return run(steps.size(), input, (i, h) -> steps.get(i).apply(h), BlockObserver.NONE);
  }

  /** Moves the one reference held on {@code t} to {@code scope} (if any). */
  private static void handTo(PointerScope scope, Tensor t) {
    if (scope != null) {
      scope.attach(t);
      t.releaseReference();
    }
  }
}
