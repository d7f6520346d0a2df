package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A 3D convolution that is causal in time: {@code 2·p_t} zero frames go in front of the video and
 * none behind, so output frame t depends on input frames up to t only; height and width are
 * zero-padded by {@code p_h}, {@code p_w} on both sides. Given the previous chunk's last frames as
 * history, those replace leading zero frames, which makes a video run chunk by chunk equal one pass
 * over the whole of it. diffusers' {@code WanCausalConv3d} (Wan and Qwen-Image VAEs); the weight
 * layout is torch's Conv3d, (out, in, k_t, k_h, k_w).
 */
public final class CausalConv3d {
  private final Tensor weight;
  private final TensorOptional bias;
  private final long[] stride;
  private final long[] spatialPadding;
  private final int historyFrames;

  /**
   * @param stride (t, h, w)
   * @param padding (p_t, p_h, p_w) as torch's Conv3d takes it; the time padding becomes {@code 2·p_t}
   *     frames in front
   */
  public CausalConv3d(Tensor weight, Tensor bias, long[] stride, long[] padding) {
    if (weight.dim() != 5 || stride.length != 3 || padding.length != 3) {
      throw new IllegalArgumentException("CausalConv3d needs a 5-D weight and 3 strides and paddings");
    }
    this.weight = weight;
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.bias.retainReference();
    this.stride = stride.clone();
    this.spatialPadding = new long[] {0, padding[1], padding[2]};
    this.historyFrames = Math.toIntExact(2 * padding[0]);
  }

  /** Frames of history this layer can use (its front time padding). */
  public int historyFrames() {
    return historyFrames;
  }

  public long outChannels() {
    return weight.size(0);
  }

  public long inChannels() {
    return weight.size(1);
  }

  /** The convolution with zero padding in front (the start of a video). */
  public Tensor apply(Tensor x) {
    return apply(x, (Tensor) null);
  }

  /**
   * The convolution continuing after {@code history} (earlier frames, or null): those frames are
   * prepended and only the rest of the front padding is zeros. History longer than the padding is
   * cut to its last frames, as diffusers' negative padding does.
   */
  public Tensor apply(Tensor x, Tensor history) {
    Tensor in = x;
    long front = historyFrames;
    if (history != null && front > 0) {
      in = torch.cat(new TensorVector(history, x), 2);
      front -= history.size(2);
    }
    if (front > 0) {
      in = torch.constant_pad_nd(in, 0, 0, 0, 0, front, 0);
    } else if (front < 0) {
      in = in.narrow(2, -front, in.size(2) + front);
    }
    return torch.conv3d(in, weight, bias, stride, spatialPadding, new long[] {1, 1, 1}, 1);
  }

  /**
   * The convolution on one chunk of a longer video: the slot's frames are the history, and the
   * slot then keeps the last {@link #historyFrames()} frames of (history, x) for the next chunk.
   */
  public Tensor apply(Tensor x, FrameCache.Slot slot) {
    Tensor history = slot.frames();
    Tensor out = apply(x, history);
    if (historyFrames > 0) {
      slot.store(FrameCache.lastFrames(history, x, historyFrames));
    }
    return out;
  }
}
