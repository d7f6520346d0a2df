package dev.lemica.vae.opensora;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.GroupNorm;
import dev.lemica.vae.ResnetBlocks;
import dev.lemica.vae.ScopedSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Open-Sora's temporal {@code Encoder}: {@code conv_in} (no bias), per level {@code num_res_blocks}
 * res blocks ({@code block_res_blocks.<i>.<j>}) and, but on the last level, a causal 3×3×3
 * convolution with time stride 2 ({@code conv_blocks.<i>}, one zero frame in front) where {@code
 * temporal_downsample} says so (an identity, without weights, otherwise); then {@code res_blocks},
 * {@code conv2(silu(norm1(x)))} (1×1×1) to {@code 2·latent_embed_dim} channels. Height and width are
 * never downsampled: the spatial VAE did that.
 */
final class TemporalEncoder implements UnaryOperator<Tensor> {
  private final List<UnaryOperator<Tensor>> steps = new ArrayList<>();

  TemporalEncoder(WeightLoader w, String prefix, TemporalVaeConfig c) {
    int[] mult = c.channelMultipliers();
    boolean[] down = c.temporalDownsample();
    int groups = c.numGroups();
    CausalConv3d convIn = TemporalLayers.conv(w, prefix + ".conv_in", c.inOutChannels(), c.filters(), 3, 1, false);
    steps.add(convIn::apply);
    int prev = c.filters();
    int filters = prev;
    for (int i = 0; i < mult.length; i++) {
      filters = c.filters() * mult[i];
      for (int j = 0; j < c.numResBlocks(); j++) {
        steps.add(new TemporalResBlock(w, prefix + ".block_res_blocks." + i + "." + j, groups, prev, filters));
        prev = filters;
      }
      if (i < mult.length - 1 && down[i]) {
        steps.add(TemporalLayers.conv(w, prefix + ".conv_blocks." + i, prev, filters, 3, 2, true)::apply);
      }
    }
    for (int j = 0; j < c.numResBlocks(); j++) {
      steps.add(new TemporalResBlock(w, prefix + ".res_blocks." + j, groups, prev, filters));
      prev = filters;
    }
    GroupNorm norm = TemporalLayers.groupNorm(w, prefix + ".norm1", groups, prev);
    CausalConv3d conv2 = TemporalLayers.conv(w, prefix + ".conv2", prev, 2L * c.latentEmbedDim(), 1, 1, true);
    steps.add(x -> ResnetBlocks.head(x, norm::apply, conv2::apply));
  }

  /** A whole micro-chunk (its front zero frames already added) to its moments, before quant_conv. */
  @Override
  public Tensor apply(Tensor x) {
    return ScopedSteps.sequence(x, steps);
  }
}
