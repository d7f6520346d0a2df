package dev.lemica.vae.opensora;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.GroupNorm;
import dev.lemica.vae.ResnetBlocks;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Open-Sora's temporal {@code ResBlock}: {@code conv2(silu(norm2(conv1(silu(norm1(x)))))) + residual},
 * GroupNorms with eps 1e-5, causal 3×3×3 convolutions without bias, and where the channel count
 * changes a 1×1×1 convolution ({@code conv3}, no bias) on the residual.
 */
final class TemporalResBlock implements UnaryOperator<Tensor> {
  private final GroupNorm norm1;
  private final CausalConv3d conv1;
  private final GroupNorm norm2;
  private final CausalConv3d conv2;
  private final CausalConv3d conv3;

  TemporalResBlock(WeightLoader w, String prefix, int groups, int in, int out) {
    norm1 = TemporalLayers.groupNorm(w, prefix + ".norm1", groups, in);
    conv1 = TemporalLayers.conv(w, prefix + ".conv1", in, out, 3, 1, false);
    norm2 = TemporalLayers.groupNorm(w, prefix + ".norm2", groups, out);
    conv2 = TemporalLayers.conv(w, prefix + ".conv2", out, out, 3, 1, false);
    conv3 = in != out ? TemporalLayers.conv(w, prefix + ".conv3", in, out, 1, 1, false) : null;
  }

  @Override
  public Tensor apply(Tensor x) {
    return ResnetBlocks.apply(x, norm1::apply, conv1::apply, norm2::apply, conv2::apply, conv3 == null ? null : conv3::apply);
  }
}
