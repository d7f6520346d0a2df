package dev.lemica.vae.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.Downsample2d;
import dev.lemica.nn.FrameCache;
import dev.lemica.nn.FrameWise;
import dev.lemica.nn.Upsample2d;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code WanResample}: halves or doubles height and width per frame, and in its 3d modes
 * also time.
 *
 * <ul>
 *   <li>{@code upsample2d}: per frame 2× nearest upsampling and a 3×3 Conv2d to {@code dim / 2}
 *       channels ({@code resample.1}).
 *   <li>{@code upsample3d}: first a time convolution (kernel (3, 1, 1), {@code dim → 2·dim}) whose two
 *       channel halves become two consecutive frames, then as upsample2d. Its cache has a quirk that
 *       decides the frame count: on the first chunk it stores nothing, only marks the slot ({@code
 *       "Rep"} in diffusers), and the frame passes without the time convolution, so latent frame 0
 *       gives one frame. On the next chunk the time convolution runs with plain zero padding (frame 0
 *       is not its history) and the slot keeps that chunk's last two frames, with a zero frame in
 *       front when it had only one.
 *   <li>{@code downsample2d}: per frame zero padding of one column right and one row below, then a
 *       3×3 Conv2d with stride 2 and no padding.
 *   <li>{@code downsample3d}: as downsample2d, then a time convolution (kernel (3, 1, 1), stride 2,
 *       no padding) over the previous chunk's last frame followed by this chunk; on the first chunk
 *       no time convolution (one frame stays one).
 * </ul>
 */
final class WanResample implements WanCausalLayer {
  /** diffusers' mode strings upsample2d, upsample3d, downsample2d, downsample3d. */
  enum Mode {
    UPSAMPLE_2D,
    UPSAMPLE_3D,
    DOWNSAMPLE_2D,
    DOWNSAMPLE_3D;

    boolean upsamples() {
      return this == UPSAMPLE_2D || this == UPSAMPLE_3D;
    }

    boolean temporal() {
      return this == UPSAMPLE_3D || this == DOWNSAMPLE_3D;
    }
  }

  private final Mode mode;
  private final Upsample2d upsample;
  private final Downsample2d downsample;
  private final CausalConv3d timeConv;

  WanResample(WeightLoader w, String prefix, int dim, Mode mode) {
    this.mode = mode;
    String resample = prefix + ".resample.1";
    if (mode.upsamples()) {
      upsample = new Upsample2d(w.load(resample + ".weight", dim / 2, dim, 3, 3), w.load(resample + ".bias", dim / 2));
      downsample = null;
    } else {
      upsample = null;
      downsample = new Downsample2d(w.load(resample + ".weight", dim, dim, 3, 3), w.load(resample + ".bias", dim));
    }
    if (mode == Mode.UPSAMPLE_3D) {
      timeConv =
          WanVaeLayers.conv(w, prefix + ".time_conv", dim, 2L * dim, new long[] {3, 1, 1}, new long[] {1, 1, 1}, new long[] {1, 0, 0});
    } else if (mode == Mode.DOWNSAMPLE_3D) {
      timeConv =
          WanVaeLayers.conv(w, prefix + ".time_conv", dim, dim, new long[] {3, 1, 1}, new long[] {2, 1, 1}, new long[] {0, 0, 0});
    } else {
      timeConv = null;
    }
  }

  @Override
  public Tensor apply(Tensor x, FrameCache cache) {
    FrameCache.Slot slot = mode.temporal() ? cache.next() : null;
    Tensor y = mode == Mode.UPSAMPLE_3D ? upsampleTime(x, slot) : x;
    // diffusers upsamples in float32 and casts back; nearest upsampling copies values, so any dtype gives the same.
    y = FrameWise.apply(y, mode.upsamples() ? upsample::apply : downsample::apply);
    return mode == Mode.DOWNSAMPLE_3D ? downsampleTime(y, slot) : y;
  }

  private Tensor upsampleTime(Tensor x, FrameCache.Slot slot) {
    if (slot.isEmpty()) {
      slot.mark();
      return x;
    }
    int keep = timeConv.historyFrames();
    Tensor y;
    Tensor kept;
    if (slot.isMarked()) {
      y = timeConv.apply(x);
      kept = FrameCache.lastFrames(null, x, keep);
      if (kept.size(2) < keep) {
        kept = torch.cat(new TensorVector(torch.zeros_like(kept), kept), 2);
      }
    } else {
      Tensor history = slot.frames();
      y = timeConv.apply(x, history);
      kept = FrameCache.lastFrames(history, x, keep);
    }
    slot.store(kept);
    // Channels [0, dim) are the even output frames, [dim, 2·dim) the odd ones.
    long b = x.size(0);
    long c = x.size(1);
    long t = x.size(2);
    long h = x.size(3);
    long w = x.size(4);
    return y.reshape(b, 2, c, t, h, w).permute(0, 2, 3, 1, 4, 5).reshape(b, c, 2 * t, h, w);
  }

  private Tensor downsampleTime(Tensor x, FrameCache.Slot slot) {
    long t = x.size(2);
    Tensor last = x.narrow(2, t - 1, 1).clone();
    if (slot.isEmpty()) {
      // diffusers keeps the whole chunk here, but only its last frame is ever read.
      slot.store(last);
      return x;
    }
    Tensor previous = slot.frames();
    Tensor y = timeConv.apply(torch.cat(new TensorVector(previous.narrow(2, previous.size(2) - 1, 1), x), 2));
    slot.store(last);
    return y;
  }
}
