package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.vae.ObservedStages;

/**
 * diffusers' {@code UNetMidBlock2D} as the 2D VAEs build it: a resnet, the single-head attention
 * (unless {@code mid_block_add_attention} is false), a resnet, all at the deepest width.
 */
final class KlMidBlock {
  private final ResnetBlock2d first;
  private final KlAttention attention;
  private final ResnetBlock2d second;

  KlMidBlock(WeightLoader w, String prefix, AutoencoderKLConfig config, int channels) {
    int groups = config.normNumGroups();
    first = new ResnetBlock2d(w, prefix + ".resnets.0", groups, channels, channels);
    attention = config.midBlockAddAttention() ? new KlAttention(w, prefix + ".attentions.0", groups, channels) : null;
    second = new ResnetBlock2d(w, prefix + ".resnets.1", groups, channels, channels);
  }

  /** Adds the layers as stages {@code name.resnets.0}, {@code name.attentions.0} and, for the last, {@code name}. */
  void addTo(ObservedStages stages, String name) {
    stages.add(name + ".resnets.0", first);
    if (attention != null) {
      stages.add(name + ".attentions.0", attention);
    }
    stages.add(name, second);
  }
}
