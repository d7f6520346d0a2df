package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A 3D convolution that is causal in time: a few frames go in front of the video and none behind,
 * so output frame t depends on input frames up to t only; height and width are zero-padded on both
 * sides. Given the previous chunk's last frames as history, those replace the front padding, which
 * makes a video run chunk by chunk equal one pass over the whole of it. The weight layout is torch's
 * Conv3d, (out, in, k_t, k_h, k_w). The video VAEs differ only in what goes in front of the very first
 * frame and how much of it:
 *
 * <ul>
 *   <li>diffusers' {@code WanCausalConv3d} (Wan and Qwen-Image VAEs): {@code 2·p_t} {@link Start#ZEROS
 *       zero} frames for a Conv3d padding {@code p_t} ({@link #CausalConv3d(Tensor, Tensor, long[],
 *       long[])}).
 *   <li>diffusers' {@code CogVideoXCausalConv3d} ({@code pad_mode} "first" or "constant", which take
 *       the same path): {@code k_t − 1} {@link Start#FIRST_FRAME copies of the first frame}; its cache,
 *       "the last {@code k_t − 1} frames of the padded input", is exactly {@link FrameCache#lastFrames}
 *       of (front, x), so a one-frame first chunk leaves two copies of that frame, not one. Its
 *       "replicate" mode (replicated padding in every dimension, no cache) no CogVideoX VAE uses.
 *   <li>Open-Sora 1.2's temporal {@code CausalConv3d}: {@code (k_t − 1) + (1 − stride_t)} zero frames,
 *       used on whole micro-chunks only (no cache).
 * </ul>
 */
public final class CausalConv3d {
  /** What stands in for the frames before the first one when there is no history. */
  public enum Start {
    /** Zero frames. */
    ZEROS,
    /** Copies of the first frame. */
    FIRST_FRAME
  }

  private final Tensor weight;
  private final TensorOptional bias;
  private final long[] stride;
  private final long[] spatialPadding;
  private final int historyFrames;
  private final Start start;

  /**
   * Wan's layer.
   *
   * @param stride (t, h, w)
   * @param padding (p_t, p_h, p_w) as torch's Conv3d takes it; the time padding becomes {@code 2·p_t}
   *     zero frames in front
   */
  public CausalConv3d(Tensor weight, Tensor bias, long[] stride, long[] padding) {
    this(weight, bias, stride, checkedLength(padding)[0] * 2, padding[1], padding[2], Start.ZEROS);
  }

  /**
   * @param bias null for none
   * @param stride (t, h, w)
   * @param frontFrames frames put in front of the first frame
   * @param padHeight zero rows above and below
   * @param padWidth zero columns left and right
   */
  public CausalConv3d(Tensor weight, Tensor bias, long[] stride, long frontFrames, long padHeight, long padWidth, Start start) {
    if (weight.dim() != 5 || stride.length != 3 || frontFrames < 0) {
      throw new IllegalArgumentException("CausalConv3d needs a 5-D weight, 3 strides and a non-negative front padding");
    }
    this.weight = weight;
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.bias.retainReference();
    this.stride = stride.clone();
    this.spatialPadding = new long[] {0, padHeight, padWidth};
    this.historyFrames = Math.toIntExact(frontFrames);
    this.start = start;
  }

  private static long[] checkedLength(long[] padding) {
    if (padding.length != 3) {
      throw new IllegalArgumentException("CausalConv3d needs 3 paddings");
    }
    return padding;
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

  /** The convolution at the start of a video. */
  public Tensor apply(Tensor x) {
    return apply(x, (Tensor) null);
  }

  /**
   * The convolution continuing after {@code history} (earlier frames, or null at the start of a
   * video): those frames are prepended and only the rest of the front padding is filled as {@link
   * Start} says. History longer than the padding is cut to its last frames, as diffusers' negative
   * padding does.
   */
  public Tensor apply(Tensor x, Tensor history) {
    Tensor front = history == null ? startFrames(x) : history;
    Tensor in = x;
    long missing = historyFrames;
    if (front != null && missing > 0) {
      in = torch.cat(new TensorVector(front, x), 2);
      missing -= front.size(2);
    }
    if (missing > 0) {
      in = torch.constant_pad_nd(in, 0, 0, 0, 0, missing, 0);
    } else if (missing < 0) {
      in = in.narrow(2, -missing, in.size(2) + missing);
    }
    return torch.conv3d(in, weight, bias, stride, spatialPadding, new long[] {1, 1, 1}, 1);
  }

  /**
   * The convolution on one chunk of a longer video: the slot's frames are the history, and the
   * slot then keeps the last {@link #historyFrames()} frames of (front padding, x) for the next chunk.
   */
  public Tensor apply(Tensor x, FrameCache.Slot slot) {
    Tensor history = slot.frames() != null ? slot.frames() : startFrames(x);
    Tensor out = apply(x, history);
    if (historyFrames > 0) {
      slot.store(FrameCache.lastFrames(history, x, historyFrames));
    }
    return out;
  }

  /** The front padding at the start of a video when it is not zeros, else null. */
  private Tensor startFrames(Tensor x) {
    if (start == Start.ZEROS || historyFrames == 0) {
      return null;
    }
    long[] shape = {x.size(0), x.size(1), historyFrames, x.size(3), x.size(4)};
    return x.narrow(2, 0, 1).expand(shape);
  }
}
