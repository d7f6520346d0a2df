package dev.lemica.vae;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ScopedBlocks;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The modules of a VAE encoder or decoder for one chunk, run in sequence (each in its own scope),
 * each output shown to the observer as {@code <module>.<name>.chunk<i>} (observed outputs then live
 * until the chunk ends). A block whose inner results matter (the mid block's attention) adds its
 * parts as stages of their own, the last one under the block's name.
 */
public final class ObservedStages {
  private final List<String> names = new ArrayList<>();
  private final List<UnaryOperator<Tensor>> stages = new ArrayList<>();

  public ObservedStages add(String name, UnaryOperator<Tensor> stage) {
    names.add(name);
    stages.add(stage);
    return this;
  }

  public Tensor run(Tensor x, VaeObserver observer, String module, int chunk) {
    return run(x, observer, module, "chunk" + chunk);
  }

  /** As {@link #run(Tensor, VaeObserver, String, int)}, the chunk named as the reference names it ({@code group0} for CogVideoX). */
  public Tensor run(Tensor x, VaeObserver observer, String module, String chunkName) {
    BlockObserver shown =
        observer == VaeObserver.NONE ? BlockObserver.NONE : (i, out) -> observer.observe(module + "." + names.get(i) + "." + chunkName, out);
    return ScopedBlocks.run(stages.size(), x, (i, h) -> stages.get(i).apply(h), shown);
  }
}
