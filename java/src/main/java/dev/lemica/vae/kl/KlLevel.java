package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Downsample2d;
import dev.lemica.nn.Upsample2d;
import dev.lemica.vae.ScopedSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * One level of the encoder or decoder: resnets, the first changing the width, then a resampler at
 * the same width except on the last level. diffusers' {@code DownEncoderBlock2D} ({@code
 * layers_per_block} resnets, then {@code downsamplers.0}) and {@code UpDecoderBlock2D} ({@code
 * layers_per_block + 1} resnets, then {@code upsamplers.0}).
 */
final class KlLevel implements UnaryOperator<Tensor> {
  private final List<UnaryOperator<Tensor>> layers = new ArrayList<>();

  private KlLevel(WeightLoader w, String prefix, int groups, int in, int out, int resnets) {
    for (int k = 0; k < resnets; k++) {
      layers.add(new ResnetBlock2d(w, prefix + ".resnets." + k, groups, k == 0 ? in : out, out));
    }
  }

  static KlLevel down(WeightLoader w, String prefix, int groups, int in, int out, int resnets, boolean downsample) {
    KlLevel level = new KlLevel(w, prefix, groups, in, out, resnets);
    if (downsample) {
      String conv = prefix + ".downsamplers.0.conv";
      level.layers.add(new Downsample2d(w.load(conv + ".weight", out, out, 3, 3), w.load(conv + ".bias", out))::apply);
    }
    return level;
  }

  static KlLevel up(WeightLoader w, String prefix, int groups, int in, int out, int resnets, boolean upsample) {
    KlLevel level = new KlLevel(w, prefix, groups, in, out, resnets);
    if (upsample) {
      String conv = prefix + ".upsamplers.0.conv";
      level.layers.add(new Upsample2d(w.load(conv + ".weight", out, out, 3, 3), w.load(conv + ".bias", out))::apply);
    }
    return level;
  }

  @Override
  public Tensor apply(Tensor x) {
    return ScopedSteps.sequence(x, layers);
  }
}
