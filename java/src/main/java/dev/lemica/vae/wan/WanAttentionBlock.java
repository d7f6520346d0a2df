package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.FrameWise;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

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
    long n = frames.size(0);
    long c = frames.size(1);
    long h = frames.size(2);
    long w = frames.size(3);
    // (n, 3c, h, w) -> (n, 1 head, h·w tokens, 3c), split into q, k, v along the features.
    Tensor qkv = toQkv.apply(norm.apply(frames)).reshape(n, 1, 3 * c, h * w).permute(0, 1, 3, 2).contiguous();
    TensorVector parts = qkv.chunk(3, -1);
    Tensor attended =
        torch.scaled_dot_product_attention(
            parts.get(0), parts.get(1), parts.get(2), new TensorOptional(), 0.0, false, new DoubleOptional(), false);
    return proj.apply(attended.reshape(n, h * w, c).permute(0, 2, 1).reshape(n, c, h, w));
  }
}
