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
 * diffusers' 2D VAE {@code Encoder}: {@code conv_in}, one {@link KlLevel} per level at
 * {@code block_out_channels[i]}, the mid block, then {@code conv_out(silu(conv_norm_out(x)))} to
 * {@code 2·latent_channels} channels (mean and log-variance, before {@code quant_conv}).
 */
final class KlEncoder {
  private final Conv2d convIn;
  private final List<KlLevel> downBlocks = new ArrayList<>();
  private final KlMidBlock midBlock;
  private final GroupNorm convNormOut;
  private final Conv2d convOut;

  KlEncoder(WeightLoader w, AutoencoderKLConfig config) {
    int[] channels = config.blockOutChannels();
    int groups = config.normNumGroups();
    int levels = channels.length;
    convIn = KlVaeLayers.conv3(w, "encoder.conv_in", config.inChannels(), channels[0]);
    for (int i = 0; i < levels; i++) {
      int in = i == 0 ? channels[0] : channels[i - 1];
      downBlocks.add(
          KlLevel.down(w, "encoder.down_blocks." + i, groups, in, channels[i], config.layersPerBlock(), i != levels - 1));
    }
    int deepest = channels[levels - 1];
    midBlock = new KlMidBlock(w, "encoder.mid_block", config, deepest);
    convNormOut = KlVaeLayers.groupNorm(w, "encoder.conv_norm_out", groups, deepest);
    convOut = KlVaeLayers.conv3(w, "encoder.conv_out", deepest, 2L * config.latentChannels());
  }

  /** Images (N, in_channels, H, W) to their moments (N, 2·latent_channels, H/s, W/s). */
  Tensor apply(Tensor x, VaeObserver observer, int chunk) {
    ObservedStages stages = new ObservedStages().add("conv_in", convIn::apply);
    for (int i = 0; i < downBlocks.size(); i++) {
      stages.add("down_blocks." + i, downBlocks.get(i));
    }
    midBlock.addTo(stages, "mid_block");
    stages.add("conv_norm_out", convNormOut::apply).add("conv_out", t -> convOut.apply(ScopedSteps.silu(t)));
    return stages.run(x, observer, "encoder", chunk);
  }
}
