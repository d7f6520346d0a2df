package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Downsample2d;
import dev.lemica.nn.FrameWise;
import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code CogVideoXDownsample3D}: with {@code compress_time}, consecutive frame pairs are
 * averaged (of an odd count the first frame is kept alone, {@code 1 + (T − 1) / 2} frames); then per
 * frame one zero column right and one zero row below and a 3×3 Conv2d with stride 2 ({@code conv}):
 * {@link Downsample2d}.
 */
final class CogVideoXDownsample3D {
  private final Downsample2d downsample;
  private final boolean compressTime;

  CogVideoXDownsample3D(WeightLoader w, String prefix, int channels, boolean compressTime) {
    Tensor[] conv = CogVideoXLayers.conv3x3(w, prefix, channels);
    downsample = new Downsample2d(conv[0], conv[1]);
    this.compressTime = compressTime;
  }

  /** The frames {@code t} input frames become. */
  static long frames(long t, boolean compressTime) {
    if (!compressTime) {
      return t;
    }
    return t % 2 == 1 ? 1 + (t - 1) / 2 : t / 2;
  }

  Tensor apply(Tensor x) {
    Tensor y = x;
    long t = x.size(2);
    if (compressTime && t % 2 == 1) {
      if (t > 1) {
        y = torch.cat(new TensorVector(x.narrow(2, 0, 1), pairMeans(x.narrow(2, 1, t - 1))), 2);
      }
    } else if (compressTime) {
      y = pairMeans(x);
    }
    return FrameWise.apply(y, downsample::apply);
  }

  /**
   * {@code avg_pool1d(kernel 2, stride 2)} over time: (a + b) / 2 of each frame pair, as the mean of
   * the pair (the same one rounding in every dtype; LibTorch's CPU avg_pool3d has no bfloat16).
   */
  private static Tensor pairMeans(Tensor x) {
    long[] s = Tensors.shape(x);
    return x.reshape(s[0], s[1], s[2] / 2, 2, s[3], s[4]).mean(new long[] {3}, false, new ScalarTypeOptional());
  }
}
