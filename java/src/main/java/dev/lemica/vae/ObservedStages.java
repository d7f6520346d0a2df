package dev.lemica.vae;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ScopedBlocks;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The top-level modules of a VAE's encoder or decoder for one chunk of frames, run in sequence (each
 * in its own scope), each output shown to the observer as {@code <module>.<name>.<chunk>} (observed
 * outputs then live until the chunk ends): how the {@link VaeObserver} names come about.
 */
public final class ObservedStages {
  private final List<String> names = new ArrayList<>();
  private final List<UnaryOperator<Tensor>> stages = new ArrayList<>();

  public ObservedStages add(String name, UnaryOperator<Tensor> stage) {
    names.add(name);
    stages.add(stage);
    return this;
  }

  /**
   * @param module {@code encoder} or {@code decoder}
   * @param chunk the chunk's name as the reference's activations call it ({@code chunk2}, {@code group0})
   */
  public Tensor run(Tensor x, VaeObserver observer, String module, String chunk) {
    BlockObserver shown =
        observer == VaeObserver.NONE ? BlockObserver.NONE : (i, out) -> observer.observe(module + "." + names.get(i) + "." + chunk, out);
    return ScopedBlocks.run(stages.size(), x, (i, h) -> stages.get(i).apply(h), shown);
  }
}
