package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.FrameWise;
import dev.lemica.nn.PixelAttention;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code WanAttentionBlock}: per frame, single-head self-attention over the H·W pixels
 * (head dim = channels) after a channel RMS norm, 1×1 convolutions for q/k/v ({@code to_qkv},
 * channel thirds in that order) and the output ({@code proj}), plus the input. Frames do not mix,
 * so it needs no cache.
 */
final class WanAttentionBlock {
  private final ChannelRmsNorm norm;
  private final Conv2d toQkv;
  private final Conv2d proj;

  WanAttentionBlock(WeightLoader w, String prefix, int dim) {
    norm = WanVaeLayers.rmsNorm(w, prefix + ".norm", dim, true);
    toQkv = WanVaeLayers.conv2d(w, prefix + ".to_qkv", dim, 3L * dim, 1, 1, 0);
    proj = WanVaeLayers.conv2d(w, prefix + ".proj", dim, dim, 1, 1, 0);
  }

  Tensor apply(Tensor x) {
    Tensor y = FrameWise.apply(x, this::attendWithinFrame);
    y.add_(x);
    return y;
  }

  private Tensor attendWithinFrame(Tensor frames) {
    Tensor qkv = PixelAttention.tokens(toQkv.apply(norm.apply(frames)));
    Tensor attended = PixelAttention.attendFused(qkv);
    return proj.apply(PixelAttention.images(attended, frames.size(2), frames.size(3)));
  }
}
