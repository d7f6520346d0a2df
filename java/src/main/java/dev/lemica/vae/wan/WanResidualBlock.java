package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ResnetBlocks;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code WanResidualBlock}: {@code conv2(silu(norm2(conv1(silu(norm1(x)))))) + shortcut(x)},
 * both 3×3×3 convolutions causal and cached, the shortcut a 1×1×1 convolution when the channel count
 * changes (never cached: it looks at no other frame). Dropout is the identity at inference.
 */
final class WanResidualBlock implements WanCausalLayer {
  private final ChannelRmsNorm norm1;
  private final CausalConv3d conv1;
  private final ChannelRmsNorm norm2;
  private final CausalConv3d conv2;
  private final CausalConv3d shortcut;

  WanResidualBlock(WeightLoader w, String prefix, int in, int out) {
    norm1 = WanVaeLayers.rmsNorm(w, prefix + ".norm1", in, false);
    conv1 = WanVaeLayers.conv3(w, prefix + ".conv1", in, out);
    norm2 = WanVaeLayers.rmsNorm(w, prefix + ".norm2", out, false);
    conv2 = WanVaeLayers.conv3(w, prefix + ".conv2", out, out);
    shortcut = in != out ? WanVaeLayers.pointwise(w, prefix + ".conv_shortcut", in, out) : null;
  }

  @Override
  public Tensor apply(Tensor x, FrameCache cache) {
    FrameCache.Slot first = cache.next();
    FrameCache.Slot second = cache.next();
    return ResnetBlocks.apply(
        x, norm1::apply, t -> conv1.apply(t, first), norm2::apply, t -> conv2.apply(t, second), shortcut == null ? null : shortcut::apply);
  }
}
