package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Downsample2d;
import dev.lemica.vae.ScopedSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code DownEncoderBlock2D}: {@code layers_per_block} resnets, the first changing the
 * width, then (except on the deepest level) {@code downsamplers.0}, which halves height and width.
 */
final class DownEncoderBlock2d implements UnaryOperator<Tensor> {
  private final List<UnaryOperator<Tensor>> layers = new ArrayList<>();

  DownEncoderBlock2d(WeightLoader w, String prefix, int groups, int in, int out, int resnets, boolean downsample) {
    for (int k = 0; k < resnets; k++) {
      layers.add(new ResnetBlock2d(w, prefix + ".resnets." + k, groups, k == 0 ? in : out, out));
    }
    if (downsample) {
      String conv = prefix + ".downsamplers.0.conv";
      layers.add(new Downsample2d(w.load(conv + ".weight", out, out, 3, 3), w.load(conv + ".bias", out))::apply);
    }
  }

  @Override
  public Tensor apply(Tensor x) {
    return ScopedSteps.sequence(x, layers);
  }
}
