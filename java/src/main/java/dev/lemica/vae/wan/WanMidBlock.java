package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ScopedSteps;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/** diffusers' {@code WanMidBlock} with one layer: residual block, attention, residual block. */
final class WanMidBlock implements WanCausalLayer {
  private final WanResidualBlock first;
  private final WanAttentionBlock attention;
  private final WanResidualBlock second;

  WanMidBlock(WeightLoader w, String prefix, int dim) {
    first = new WanResidualBlock(w, prefix + ".resnets.0", dim, dim);
    attention = new WanAttentionBlock(w, prefix + ".attentions.0", dim);
    second = new WanResidualBlock(w, prefix + ".resnets.1", dim, dim);
  }

  @Override
  public Tensor apply(Tensor x, FrameCache cache) {
    List<UnaryOperator<Tensor>> layers = List.of(t -> first.apply(t, cache), attention::apply, t -> second.apply(t, cache));
    return ScopedSteps.sequence(x, layers);
  }
}
