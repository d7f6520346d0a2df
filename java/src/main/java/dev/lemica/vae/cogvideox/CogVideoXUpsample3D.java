package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.FrameWise;
import dev.lemica.nn.Upsample2d;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code CogVideoXUpsample3D}: 2× nearest upsampling of every frame, and with {@code
 * compress_time} also of time (every frame twice), except that of an odd number T > 1 of frames the
 * first stays single (1 + 2·(T − 1) frames) and a lone frame stays one; then a 3×3 Conv2d per frame
 * ({@code conv}): {@link Upsample2d} on every frame. No state: the frames of one group are all it sees.
 */
final class CogVideoXUpsample3D {
  private final Upsample2d upsample;
  private final boolean compressTime;

  CogVideoXUpsample3D(WeightLoader w, String prefix, int channels, boolean compressTime) {
    Tensor[] conv = CogVideoXLayers.conv3x3(w, prefix, channels);
    upsample = new Upsample2d(conv[0], conv[1]);
    this.compressTime = compressTime;
  }

  /** The frames {@code t} input frames become. */
  static long frames(long t, boolean compressTime) {
    if (!compressTime || t == 1) {
      return t;
    }
    return t % 2 == 1 ? 2 * t - 1 : 2 * t;
  }

  /**
   * Nearest upsampling in time copies frames, and the per-frame convolution maps equal frames to
   * equal frames, so copying after the convolution gives the same frames with half the work.
   */
  Tensor apply(Tensor x) {
    Tensor up = FrameWise.apply(x, upsample::apply);
    long t = x.size(2);
    if (compressTime && t > 1) {
      if (t % 2 == 1) {
        Tensor rest = up.narrow(2, 1, t - 1).repeat_interleave(2, new LongOptional(2), new LongOptional());
        up = torch.cat(new TensorVector(up.narrow(2, 0, 1), rest), 2);
      } else {
        up = up.repeat_interleave(2, new LongOptional(2), new LongOptional());
      }
    }
    return up;
  }
}
