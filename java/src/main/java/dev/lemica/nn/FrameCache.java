package dev.lemica.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * What causal video layers remember between the chunks of one video: one slot per cached layer,
 * taken in the order the layers run, restarting at the first slot with every chunk (diffusers'
 * {@code feat_cache} list and {@code feat_idx} counter). A slot holds the last few frames the layer
 * saw, so that the next chunk continues the sequence instead of starting from zero padding.
 *
 * <p>Slot tensors outlive the chunk's {@code PointerScope} (they are retained) and are given back
 * when replaced or when the cache is closed, so between chunks the cache is all that stays alive.
 * One cache serves one pass over one video; start a new one for the next.
 */
public final class FrameCache implements AutoCloseable {
  private final List<Slot> slots = new ArrayList<>();
  private int next;

  /** Rewinds to the first slot: call before each chunk. */
  public void startChunk() {
    next = 0;
  }

  /** The next layer's slot, created empty on the first chunk. */
  public Slot next() {
    if (next == slots.size()) {
      slots.add(new Slot());
    }
    return slots.get(next++);
  }

  /** Slots taken so far (in the longest chunk): one per cached layer call. */
  public int size() {
    return slots.size();
  }

  /**
   * The last {@code frames} frames of {@code history ++ x} along dim 2, as a fresh tensor (never a
   * view into {@code x}, which would keep the whole chunk alive); fewer when the sequence is shorter.
   * For two frames this is exactly diffusers' rule: the last two frames of x, or the previous
   * chunk's last frame followed by x when x has one frame.
   */
  public static Tensor lastFrames(Tensor history, Tensor x, int frames) {
    long t = x.size(2);
    if (t >= frames) {
      return x.narrow(2, t - frames, frames).clone();
    }
    if (history == null) {
      return x.clone();
    }
    long kept = Math.min(history.size(2), frames - t);
    return torch.cat(new TensorVector(history.narrow(2, history.size(2) - kept, kept), x), 2);
  }

  @Override
  public void close() {
    slots.forEach(Slot::clear);
    slots.clear();
  }

  /** One layer's memory: empty, marked (seen, nothing stored) or holding frames. */
  public static final class Slot {
    private Tensor frames;
    private boolean marked;

    private Slot() {}

    /** True before the layer's first chunk. */
    public boolean isEmpty() {
      return frames == null && !marked;
    }

    /**
     * True when the layer ran once and chose to store nothing: how Wan's temporal upsampler
     * remembers that the first frame passed through it without its time convolution.
     */
    public boolean isMarked() {
      return marked;
    }

    /** The stored frames, or null. */
    public Tensor frames() {
      return frames;
    }

    public void mark() {
      clear();
      marked = true;
    }

    /** Keeps {@code t} (which the slot now owns a reference to) in place of what it held. */
    public void store(Tensor t) {
      t.retainReference();
      clear();
      frames = t;
    }

    private void clear() {
      if (frames != null) {
        frames.releaseReference();
        frames = null;
      }
      marked = false;
    }
  }
}
