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
 * diffusers' {@code WanDecoder3d} (Wan2.1, {@code is_residual=False}): {@code conv_in}, the mid block,
 * one up block per level (channels {@code decoder_base_dim · [dim_mult[-1]] + dim_mult[::-1]}; every
 * upsampler halves its channels, so up blocks after the first take half their level's width), then
 * {@code conv_out(silu(norm_out(x)))}. Runs on one latent frame at a time.
 */
final class WanDecoder3d {
  private final CausalConv3d convIn;
  private final WanMidBlock midBlock;
  private final List<WanUpBlock> upBlocks = new ArrayList<>();
  private final ChannelRmsNorm normOut;
  private final CausalConv3d convOut;

  WanDecoder3d(WeightLoader w, WanVaeConfig config) {
    int[] dims = config.decoderDims();
    boolean[] temporal = config.temperalUpsample();
    int levels = config.dimMult().length;
    convIn = WanVaeLayers.conv3(w, "decoder.conv_in", config.zDim(), dims[0]);
    midBlock = new WanMidBlock(w, "decoder.mid_block", dims[0]);
    for (int i = 0; i < levels; i++) {
      int in = i > 0 ? dims[i] / 2 : dims[i];
      WanResample.Mode upsample = null;
      if (i != levels - 1) {
        upsample = temporal[i] ? WanResample.Mode.UPSAMPLE_3D : WanResample.Mode.UPSAMPLE_2D;
      }
      upBlocks.add(new WanUpBlock(w, "decoder.up_blocks." + i, in, dims[i + 1], config.numResBlocks(), upsample));
    }
    int out = dims[levels];
    normOut = WanVaeLayers.rmsNorm(w, "decoder.norm_out", out, false);
    convOut = WanVaeLayers.conv3(w, "decoder.conv_out", out, config.outChannels());
  }

  /** One chunk (one latent frame, after post_quant_conv) to its frames, before the clamp. */
  Tensor apply(Tensor x, FrameCache cache, VaeObserver observer, int chunk) {
    ObservedStages stages = new ObservedStages().add("conv_in", t -> convIn.apply(t, cache.next()));
    midBlock.addTo(stages, "mid_block", cache);
    for (int i = 0; i < upBlocks.size(); i++) {
      WanUpBlock block = upBlocks.get(i);
      stages.add("up_blocks." + i, t -> block.apply(t, cache));
    }
    stages.add("conv_out", t -> WanVaeBlocks.head(normOut, convOut, t, cache));
    return stages.run(x, observer, "decoder", chunk);
  }
}
