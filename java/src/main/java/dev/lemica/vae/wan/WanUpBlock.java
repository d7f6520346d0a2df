package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ScopedSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code WanUpBlock} (the Wan2.1 decoder's): {@code num_res_blocks + 1} residual blocks,
 * then the upsampler ({@code upsamplers.0}) unless it is the last level.
 */
final class WanUpBlock implements WanCausalLayer {
  private final List<WanCausalLayer> layers = new ArrayList<>();

  WanUpBlock(WeightLoader w, String prefix, int in, int out, int numResBlocks, WanResample.Mode upsample) {
    int dim = in;
    for (int k = 0; k <= numResBlocks; k++) {
      layers.add(new WanResidualBlock(w, prefix + ".resnets." + k, dim, out));
      dim = out;
    }
    if (upsample != null) {
      layers.add(new WanResample(w, prefix + ".upsamplers.0", out, upsample));
    }
  }

  @Override
  public Tensor apply(Tensor x, FrameCache cache) {
    List<UnaryOperator<Tensor>> steps = new ArrayList<>();
    for (WanCausalLayer layer : layers) {
      steps.add(t -> layer.apply(t, cache));
    }
    return ScopedSteps.sequence(x, steps);
  }
}
