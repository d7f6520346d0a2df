package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.GroupNorm;
import dev.lemica.vae.ResnetBlocks;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code ResnetBlock2D} as the 2D VAEs build it (no time embedding, output scale 1):
 * {@code conv2(silu(norm2(conv1(silu(norm1(x)))))) + shortcut(x)}, both convolutions 3×3, the
 * shortcut a 1×1 convolution when the channel count changes. Dropout is the identity at inference.
 */
final class ResnetBlock2d implements UnaryOperator<Tensor> {
  private final GroupNorm norm1;
  private final Conv2d conv1;
  private final GroupNorm norm2;
  private final Conv2d conv2;
  private final Conv2d shortcut;

  ResnetBlock2d(WeightLoader w, String prefix, int groups, int in, int out) {
    norm1 = KlVaeLayers.groupNorm(w, prefix + ".norm1", groups, in);
    conv1 = KlVaeLayers.conv3(w, prefix + ".conv1", in, out);
    norm2 = KlVaeLayers.groupNorm(w, prefix + ".norm2", groups, out);
    conv2 = KlVaeLayers.conv3(w, prefix + ".conv2", out, out);
    shortcut = in != out ? KlVaeLayers.pointwise(w, prefix + ".conv_shortcut", in, out) : null;
  }

  @Override
  public Tensor apply(Tensor x) {
    return ResnetBlocks.apply(x, norm1::apply, conv1::apply, norm2::apply, conv2::apply, shortcut == null ? null : shortcut::apply);
  }
}
