package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ResnetBlocks;
import dev.lemica.vae.ObservedStages;
import dev.lemica.vae.VaeObserver;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code CogVideoXDecoder3D}: {@code conv_in}, the mid block, one up block per level
 * (channels {@code block_out_channels} reversed; {@code layers_per_block + 1} resnets each; the first
 * {@code log2(temporal_compression_ratio)} also double time), then {@code conv_out(silu(norm_out(x)))}.
 * Every norm is a spatial norm fed with the group's input latents (zq). Runs on one latent frame group
 * at a time.
 */
final class CogVideoXDecoder3D {
  private final CausalConv3d convIn;
  private final CogVideoXBlock3D midBlock;
  private final List<CogVideoXBlock3D> upBlocks = new ArrayList<>();
  private final CogVideoXSpatialNorm3D normOut;
  private final CausalConv3d convOut;
  private final CogVideoXVaeConfig config;

  CogVideoXDecoder3D(WeightLoader w, CogVideoXVaeConfig c) {
    config = c;
    int[] boc = c.blockOutChannels();
    int n = boc.length;
    int[] reversed = new int[n];
    for (int i = 0; i < n; i++) {
      reversed[i] = boc[n - 1 - i];
    }
    convIn = CogVideoXLayers.causalConv(w, "decoder.conv_in", c.latentChannels(), reversed[0], 3);
    midBlock = CogVideoXBlock3D.mid(w, "decoder.mid_block", reversed[0], c, true);
    int in = reversed[0];
    for (int i = 0; i < n; i++) {
      upBlocks.add(CogVideoXBlock3D.up(w, "decoder.up_blocks." + i, in, reversed[i], c, i));
      in = reversed[i];
    }
    normOut = new CogVideoXSpatialNorm3D(w, "decoder.norm_out", reversed[n - 1], c.latentChannels(), c.normNumGroups());
    convOut = CogVideoXLayers.causalConv(w, "decoder.conv_out", reversed[n - 1], c.outChannels(), 3);
  }

  /** The video frames a group of {@code latentFrames} latent frames decodes to. */
  long videoFrames(long latentFrames) {
    long t = latentFrames;
    for (int i = 0; i < upBlocks.size() - 1; i++) {
      t = CogVideoXUpsample3D.frames(t, i < config.temporalCompressLevel());
    }
    return t;
  }

  /** One group of latent frames (after post_quant_conv, if any) to its frames. */
  Tensor apply(Tensor z, FrameCache cache, VaeObserver observer, int group) {
    ObservedStages stages =
        new ObservedStages().add("conv_in", t -> convIn.apply(t, cache.next())).add("mid_block", t -> midBlock.apply(t, z, cache));
    for (int i = 0; i < upBlocks.size(); i++) {
      CogVideoXBlock3D block = upBlocks.get(i);
      stages.add("up_blocks." + i, t -> block.apply(t, z, cache));
    }
    stages.add("conv_out", t -> {
      FrameCache.Slot slot = cache.next();
      return ResnetBlocks.head(t, v -> normOut.apply(v, z), u -> convOut.apply(u, slot));
    });
    return stages.run(z, observer, "decoder", "group" + group);
  }
}
