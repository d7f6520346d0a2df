package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ObservedStages;
import dev.lemica.vae.VaeObserver;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code WanEncoder3d} (Wan2.1, {@code is_residual=False}, no attention in the down
 * blocks): {@code conv_in}, then per level {@code num_res_blocks} residual blocks and, except on the
 * last level, a downsampler (2d or 3d by {@code temperal_downsample}), all in one flat list {@code
 * down_blocks}; the mid block; {@code conv_out(silu(norm_out(x)))} to {@code 2·z_dim} channels (mean
 * and log-variance). Runs on one chunk of frames at a time.
 */
final class WanEncoder3d {
  private final CausalConv3d convIn;
  private final List<WanCausalLayer> downBlocks = new ArrayList<>();
  private final WanMidBlock midBlock;
  private final ChannelRmsNorm normOut;
  private final CausalConv3d convOut;

  WanEncoder3d(WeightLoader w, WanVaeConfig config) {
    int[] dims = config.encoderDims();
    boolean[] temporal = config.temperalDownsample();
    int levels = config.dimMult().length;
    convIn = WanVaeLayers.conv3(w, "encoder.conv_in", config.inChannels(), dims[0]);
    for (int i = 0; i < levels; i++) {
      int in = dims[i];
      int out = dims[i + 1];
      for (int k = 0; k < config.numResBlocks(); k++) {
        downBlocks.add(new WanResidualBlock(w, "encoder.down_blocks." + downBlocks.size(), in, out));
        in = out;
      }
      if (i != levels - 1) {
        WanResample.Mode mode = temporal[i] ? WanResample.Mode.DOWNSAMPLE_3D : WanResample.Mode.DOWNSAMPLE_2D;
        downBlocks.add(new WanResample(w, "encoder.down_blocks." + downBlocks.size(), out, mode));
      }
    }
    int out = dims[levels];
    midBlock = new WanMidBlock(w, "encoder.mid_block", out);
    normOut = WanVaeLayers.rmsNorm(w, "encoder.norm_out", out, false);
    convOut = WanVaeLayers.conv3(w, "encoder.conv_out", out, 2L * config.zDim());
  }

  /** One chunk of frames to its latent frames' moments (2·z_dim channels), before quant_conv. */
  Tensor apply(Tensor x, FrameCache cache, VaeObserver observer, int chunk) {
    ObservedStages stages = new ObservedStages().add("conv_in", t -> convIn.apply(t, cache.next()));
    for (int j = 0; j < downBlocks.size(); j++) {
      WanCausalLayer layer = downBlocks.get(j);
      stages.add("down_blocks." + j, t -> layer.apply(t, cache));
    }
    midBlock.addTo(stages, "mid_block", cache);
    stages.add("conv_out", t -> WanVaeBlocks.head(normOut, convOut, t, cache));
    return stages.run(x, observer, "encoder", chunk);
  }
}
