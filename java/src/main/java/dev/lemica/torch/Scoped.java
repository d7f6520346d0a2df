package dev.lemica.torch;

import java.util.List;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs tensor code in {@link PointerScope}s of its own, so temporaries are freed as soon as they are
 * dead instead of piling up until the caller's scope ends (one video VAE layer at 480p makes
 * several GB of them). Results are handed to the caller's scope.
 */
public final class Scoped {
  private Scoped() {}

  /** {@code body} in its own scope; its result outlives it. */
  public static Tensor run(Supplier<Tensor> body) {
    PointerScope caller = PointerScope.getInnerScope();
    Tensor result;
    try (PointerScope scope = new PointerScope()) {
      result = body.get();
      result.retainReference();
    }
    handTo(caller, result);
    return result;
  }

  /** Layers applied in sequence, each in its own scope; an intermediate result is freed once the next layer has run. */
  public static Tensor chain(Tensor x, List<? extends UnaryOperator<Tensor>> layers) {
    return chain(x, layers, (t, i) -> {});
  }

  /**
   * As {@link #chain(Tensor, List)}, showing each layer's output to {@code afterEach} (with the
   * layer's index) while it is still alive.
   */
  public static Tensor chain(Tensor x, List<? extends UnaryOperator<Tensor>> layers, ObjIntConsumer<Tensor> afterEach) {
    PointerScope caller = PointerScope.getInnerScope();
    Tensor h = x;
    try {
      for (int i = 0; i < layers.size(); i++) {
        Tensor next;
        try (PointerScope scope = new PointerScope()) {
          next = layers.get(i).apply(h);
          if (next != h) {
            next.retainReference();
          }
          afterEach.accept(next, i);
        }
        if (h != x && h != next) {
          h.releaseReference();
        }
        h = next;
      }
    } catch (RuntimeException | Error e) {
      if (h != x) {
        h.releaseReference();
      }
      throw e;
    }
    if (h != x) {
      handTo(caller, h);
    }
    return h;
  }

  /** Moves the one reference held on {@code t} to {@code scope} (where there is one). */
  private static void handTo(PointerScope scope, Tensor t) {
    if (scope != null) {
      scope.attach(t);
      t.releaseReference();
    }
  }
}
