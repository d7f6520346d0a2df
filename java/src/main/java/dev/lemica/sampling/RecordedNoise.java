package dev.lemica.sampling;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Step noise kept by step and draw: the noise a golden recorded, or the noise a reference run drew
 * (see {@link #recordingFrom}), replayed. A batch that stacks k copies of the recorded batch (how
 * calibration runs several edges of the same prompts at once) gets the recorded noise k times.
 * Retains what it holds until {@link #close}.
 */
public final class RecordedNoise implements NoiseSource, AutoCloseable {
  private final Map<Long, Tensor> draws = new HashMap<>();

  private static long key(int step, int draw) {
    return ((long) step << 32) | draw;
  }

  /** Records {@code noise} as draw {@code draw} of step {@code step} (a copy is not made: do not modify it). */
  public synchronized void put(int step, int draw, Tensor noise) {
    noise.retainReference();
    Tensor old = draws.put(key(step, draw), noise);
    if (old != null) {
      old.releaseReference();
    }
  }

  public synchronized boolean has(int step, int draw) {
    return draws.containsKey(key(step, draw));
  }

  @Override
  public synchronized Tensor draw(int step, int draw, Tensor like) {
    Tensor t = draws.get(key(step, draw));
    if (t == null) {
      throw new IllegalStateException("no recorded noise for draw " + draw + " of step " + step);
    }
    long rows = like.size(0);
    if (rows != t.size(0)) {
      if (rows % t.size(0) != 0) {
        throw new IllegalStateException(
            "recorded noise of step " + step + " has batch " + t.size(0) + ", which does not divide " + rows);
      }
      long[] times = new long[(int) t.dim()];
      java.util.Arrays.fill(times, 1);
      times[0] = rows / t.size(0);
      t = t.repeat(times);
    }
    return t.to(like.device(), ScalarType.Float);
  }

  /** A source that draws from {@code inner} and records every draw here. */
  public NoiseSource recordingFrom(NoiseSource inner) {
    return (step, draw, like) -> {
      Tensor t = inner.draw(step, draw, like);
      put(step, draw, t);
      return t;
    };
  }

  @Override
  public synchronized void close() {
    draws.values().forEach(Tensor::releaseReference);
    draws.clear();
  }
}
