package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ObservedStages;
import org.bytedeco.pytorch.Tensor;

/** diffusers' {@code WanMidBlock} with one layer: residual block, attention, residual block. */
final class WanMidBlock {
  private final WanResidualBlock first;
  private final WanAttentionBlock attention;
  private final WanResidualBlock second;

  WanMidBlock(WeightLoader w, String prefix, int dim) {
    first = new WanResidualBlock(w, prefix + ".resnets.0", dim, dim);
    attention = new WanAttentionBlock(w, prefix + ".attentions.0", dim);
    second = new WanResidualBlock(w, prefix + ".resnets.1", dim, dim);
  }

  /**
   * Adds the three layers as stages named {@code name.resnets.0}, {@code name.attentions.0} and,
   * for the last, {@code name} (its output is the block's), so the attention can be observed.
   */
  void addTo(ObservedStages stages, String name, FrameCache cache) {
    stages
        .add(name + ".resnets.0", t -> first.apply(t, cache))
        .add(name + ".attentions.0", attention::apply)
        .add(name, t -> second.apply(t, cache));
  }
}
