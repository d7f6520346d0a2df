package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Upsample2d;
import dev.lemica.vae.ScopedSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code UpDecoderBlock2D}: {@code layers_per_block + 1} resnets, the first changing the
 * width, then (except on the last level) {@code upsamplers.0}, which doubles height and width and
 * keeps the width.
 */
final class UpDecoderBlock2d implements UnaryOperator<Tensor> {
  private final List<UnaryOperator<Tensor>> layers = new ArrayList<>();

  UpDecoderBlock2d(WeightLoader w, String prefix, int groups, int in, int out, int resnets, boolean upsample) {
    for (int k = 0; k < resnets; k++) {
      layers.add(new ResnetBlock2d(w, prefix + ".resnets." + k, groups, k == 0 ? in : out, out));
    }
    if (upsample) {
      String conv = prefix + ".upsamplers.0.conv";
      layers.add(new Upsample2d(w.load(conv + ".weight", out, out, 3, 3), w.load(conv + ".bias", out))::apply);
    }
  }

  @Override
  public Tensor apply(Tensor x) {
    return ScopedSteps.sequence(x, layers);
  }
}
