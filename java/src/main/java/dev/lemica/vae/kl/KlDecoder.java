package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.GroupNorm;
import dev.lemica.vae.ObservedStages;
import dev.lemica.vae.ScopedSteps;
import dev.lemica.vae.VaeObserver;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' 2D VAE {@code Decoder}: {@code conv_in} to the deepest width, the mid block, one
 * {@link KlLevel} per level in the order of the reversed {@code block_out_channels}, then
 * {@code conv_out(silu(conv_norm_out(x)))}. No clamp: AutoencoderKL's pipelines clamp when they
 * postprocess.
 */
final class KlDecoder {
  private final Conv2d convIn;
  private final KlMidBlock midBlock;
  private final List<KlLevel> upBlocks = new ArrayList<>();
  private final GroupNorm convNormOut;
  private final Conv2d convOut;

  KlDecoder(WeightLoader w, AutoencoderKLConfig config) {
    int[] channels = config.blockOutChannels();
    int groups = config.normNumGroups();
    int levels = channels.length;
    int deepest = channels[levels - 1];
    convIn = KlVaeLayers.conv3(w, "decoder.conv_in", config.latentChannels(), deepest);
    midBlock = new KlMidBlock(w, "decoder.mid_block", config, deepest);
    for (int i = 0; i < levels; i++) {
      int in = channels[levels - Math.max(i, 1)];
      int out = channels[levels - 1 - i];
      upBlocks.add(KlLevel.up(w, "decoder.up_blocks." + i, groups, in, out, config.layersPerBlock() + 1, i != levels - 1));
    }
    convNormOut = KlVaeLayers.groupNorm(w, "decoder.conv_norm_out", groups, channels[0]);
    convOut = KlVaeLayers.conv3(w, "decoder.conv_out", channels[0], config.outChannels());
  }

  /** Latent images (N, latent_channels, h, w), after post_quant_conv, to images (N, out_channels, h·s, w·s). */
  Tensor apply(Tensor z, VaeObserver observer, int chunk) {
    ObservedStages stages = new ObservedStages().add("conv_in", convIn::apply);
    midBlock.addTo(stages, "mid_block");
    for (int i = 0; i < upBlocks.size(); i++) {
      stages.add("up_blocks." + i, upBlocks.get(i));
    }
    stages.add("conv_norm_out", convNormOut::apply).add("conv_out", t -> convOut.apply(ScopedSteps.silu(t)));
    return stages.run(z, observer, "decoder", chunk);
  }
}
