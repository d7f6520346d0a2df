package dev.lemica.vae.wan;

import dev.lemica.torch.Scoped;
import dev.lemica.vae.VaeObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The top-level modules of the encoder or decoder for one chunk, run in sequence (each in its own
 * scope), each output shown to the observer as {@code <module>.<name>.chunk<i>}.
 */
final class ObservedStages {
  private final List<String> names = new ArrayList<>();
  private final List<UnaryOperator<Tensor>> stages = new ArrayList<>();

  ObservedStages add(String name, UnaryOperator<Tensor> stage) {
    names.add(name);
    stages.add(stage);
    return this;
  }

  Tensor run(Tensor x, VaeObserver observer, String module, int chunk) {
    return Scoped.chain(x, stages, (out, i) -> observer.observe(module + "." + names.get(i) + ".chunk" + chunk, out));
  }
}
