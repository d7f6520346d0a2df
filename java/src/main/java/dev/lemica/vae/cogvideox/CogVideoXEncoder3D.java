package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ResnetBlocks;
import dev.lemica.nn.GroupNorm;
import dev.lemica.vae.ObservedStages;
import dev.lemica.vae.VaeObserver;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code CogVideoXEncoder3D}: {@code conv_in}, one down block per {@code
 * block_out_channels} entry (the first {@code log2(temporal_compression_ratio)} also halve time), the
 * mid block, then {@code conv_out(silu(norm_out(x)))} to {@code 2·latent_channels} channels (mean and
 * log-variance). Runs on one frame group at a time.
 */
final class CogVideoXEncoder3D {
  private final CausalConv3d convIn;
  private final List<CogVideoXBlock3D> downBlocks = new ArrayList<>();
  private final CogVideoXBlock3D midBlock;
  private final GroupNorm normOut;
  private final CausalConv3d convOut;
  private final CogVideoXVaeConfig config;

  CogVideoXEncoder3D(WeightLoader w, CogVideoXVaeConfig c) {
    config = c;
    int[] channels = c.blockOutChannels();
    convIn = CogVideoXLayers.causalConv(w, "encoder.conv_in", c.inChannels(), channels[0], 3);
    int in = channels[0];
    for (int i = 0; i < channels.length; i++) {
      downBlocks.add(CogVideoXBlock3D.down(w, "encoder.down_blocks." + i, in, channels[i], c, i));
      in = channels[i];
    }
    int last = channels[channels.length - 1];
    midBlock = CogVideoXBlock3D.mid(w, "encoder.mid_block", last, c, false);
    normOut = CogVideoXLayers.groupNorm(w, "encoder.norm_out", last, c.normNumGroups(), CogVideoXSpatialNorm3D.EPS);
    convOut = CogVideoXLayers.causalConv(w, "encoder.conv_out", last, 2L * c.latentChannels(), 3);
  }

  /** The latent frames a group of {@code frames} video frames encodes to. */
  long latentFrames(long frames) {
    long t = frames;
    for (int i = 0; i < downBlocks.size() - 1; i++) {
      t = CogVideoXDownsample3D.frames(t, i < config.temporalCompressLevel());
    }
    return t;
  }

  /** One group of frames to its latent moments (before quant_conv). */
  Tensor apply(Tensor x, FrameCache cache, VaeObserver observer, int group) {
    ObservedStages stages = new ObservedStages().add("conv_in", t -> convIn.apply(t, cache.next()));
    for (int i = 0; i < downBlocks.size(); i++) {
      CogVideoXBlock3D block = downBlocks.get(i);
      stages.add("down_blocks." + i, t -> block.apply(t, null, cache));
    }
    stages.add("mid_block", t -> midBlock.apply(t, null, cache));
    stages.add("conv_out", t -> {
      FrameCache.Slot slot = cache.next();
      return ResnetBlocks.head(t, normOut::apply, u -> convOut.apply(u, slot));
    });
    return stages.run(x, observer, "encoder", "group" + group);
  }
}
