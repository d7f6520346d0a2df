package dev.lemica.vae.cogvideox;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.FrameWise;
import dev.lemica.nn.Upsampling;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code CogVideoXUpsample3D}: 2× nearest upsampling of every frame, and with {@code
 * compress_time} also of time (every frame twice), except that of an odd number T > 1 of frames the
 * first stays single (1 + 2·(T − 1) frames) and a lone frame stays one; then a 3×3 Conv2d per frame
 * ({@code conv}). No state: the frames of one group are all it sees.
 */
final class CogVideoXUpsample3D {
  private final Conv2d conv;
  private final boolean compressTime;

  CogVideoXUpsample3D(WeightLoader w, String prefix, int channels, boolean compressTime) {
    conv = CogVideoXLayers.conv2d(w, prefix + ".conv", channels, 1, 1);
    this.compressTime = compressTime;
  }

  /** The frames {@code t} input frames become. */
  static long frames(long t, boolean compressTime) {
    if (!compressTime || t == 1) {
      return t;
    }
    return t % 2 == 1 ? 2 * t - 1 : 2 * t;
  }

  Tensor apply(Tensor x) {
    Tensor up = FrameWise.apply(x, frames -> Upsampling.nearest(frames, 2));
    long t = x.size(2);
    if (compressTime && t > 1) {
      // Nearest upsampling in time copies every frame twice (the odd case's first frame once).
      if (t % 2 == 1) {
        Tensor rest = up.narrow(2, 1, t - 1).repeat_interleave(2, new LongOptional(2), new LongOptional());
        up = torch.cat(new TensorVector(up.narrow(2, 0, 1), rest), 2);
      } else {
        up = up.repeat_interleave(2, new LongOptional(2), new LongOptional());
      }
    }
    return FrameWise.apply(up, conv::apply);
  }
}
