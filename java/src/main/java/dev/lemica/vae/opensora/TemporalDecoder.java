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
 * Open-Sora's temporal {@code Decoder}: {@code conv1} (3×3×3) from {@code latent_embed_dim} channels,
 * {@code res_blocks}, then per level from the last to the first {@code num_res_blocks} res blocks
 * ({@code block_res_blocks.<i>.<j>}) and, above level 0, where {@code temporal_downsample[i − 1]} says
 * so, a causal 3×3×3 convolution to twice the channels ({@code conv_blocks.<i − 1>}) whose channel
 * pairs become frame pairs (depth to space, {@code "B (C ts) T H W -> B C (T ts) H W"}: output frame
 * {@code 2t + s} takes channel {@code 2c + s} of frame t); then {@code conv_out(silu(norm1(x)))}. Each
 * latent frame becomes {@code timeDownsampleFactor} frames.
 */
final class TemporalDecoder implements UnaryOperator<Tensor> {
  private final List<UnaryOperator<Tensor>> steps = new ArrayList<>();

  TemporalDecoder(WeightLoader w, String prefix, TemporalVaeConfig c) {
    int[] mult = c.channelMultipliers();
    boolean[] down = c.temporalDownsample();
    int groups = c.numGroups();
    int filters = c.filters() * mult[mult.length - 1];
    CausalConv3d conv1 = TemporalLayers.conv(w, prefix + ".conv1", c.latentEmbedDim(), filters, 3, 1, true);
    steps.add(conv1::apply);
    for (int j = 0; j < c.numResBlocks(); j++) {
      steps.add(new TemporalResBlock(w, prefix + ".res_blocks." + j, groups, filters, filters));
    }
    int prev = filters;
    for (int i = mult.length - 1; i >= 0; i--) {
      filters = c.filters() * mult[i];
      for (int j = 0; j < c.numResBlocks(); j++) {
        steps.add(new TemporalResBlock(w, prefix + ".block_res_blocks." + i + "." + j, groups, prev, filters));
        prev = filters;
      }
      if (i > 0 && down[i - 1]) {
        CausalConv3d toFramePairs = TemporalLayers.conv(w, prefix + ".conv_blocks." + (i - 1), prev, 2L * prev, 3, 1, true);
        steps.add(x -> depthToTime(toFramePairs.apply(x)));
      }
    }
    GroupNorm norm = TemporalLayers.groupNorm(w, prefix + ".norm1", groups, prev);
    CausalConv3d convOut = TemporalLayers.conv(w, prefix + ".conv_out", filters, c.inOutChannels(), 3, 1, true);
    steps.add(x -> ResnetBlocks.head(x, norm::apply, convOut::apply));
  }

  /** (B, 2C, T, H, W) to (B, C, 2T, H, W): channel {@code 2c + s} of frame t becomes channel c of frame {@code 2t + s}. */
  static Tensor depthToTime(Tensor x) {
    long b = x.size(0);
    long c = x.size(1) / 2;
    long t = x.size(2);
    long h = x.size(3);
    long w = x.size(4);
    return x.reshape(b, c, 2, t, h, w).permute(0, 1, 3, 2, 4, 5).reshape(b, c, 2 * t, h, w);
  }

  /** A whole micro-chunk of latents (after post_quant_conv) to its frames, before the crop. */
  @Override
  public Tensor apply(Tensor z) {
    return ScopedSteps.sequence(z, steps);
  }
}
