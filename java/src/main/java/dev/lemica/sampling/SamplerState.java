package dev.lemica.sampling;

import dev.lemica.torch.Tensors;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Everything a sampler carries from one step to the next: the index of the step it enters, the
 * latents, and the history a multistep or second-order solver needs (UniPC's previous x0
 * predictions and the sample its last predictor started from, CogVideoX-DPM's previous x0). Every
 * tensor is float32 and batch-first, so states of the same step stack along the batch.
 *
 * <p>A state is immutable: samplers never write into its tensors, so the next state shares the
 * history tensors it keeps instead of copying them. Each state holds its own reference to its
 * tensors (retained, so they outlive the step's {@code PointerScope}) and gives it back on
 * {@link #close}; {@link #share} makes another owner of the same tensors at no copy.
 */
public final class SamplerState implements AutoCloseable {
  private final int step;
  private final Tensor latents;
  private final Map<String, Tensor> history;
  private boolean closed;

  private SamplerState(int step, Tensor latents, Map<String, Tensor> history) {
    this.step = step;
    this.latents = latents;
    this.history = history;
    latents.retainReference();
    history.values().forEach(Tensor::retainReference);
  }

  /**
   * A state entering {@code step}; retains the tensors (which the caller must not modify later).
   *
   * @param history named history tensors, each with the latents' batch size
   */
  public static SamplerState of(int step, Tensor latents, Map<String, Tensor> history) {
    for (Map.Entry<String, Tensor> e : history.entrySet()) {
      if (e.getValue().size(0) != latents.size(0)) {
        throw new IllegalArgumentException(
            "history '" + e.getKey() + "' has batch " + e.getValue().size(0) + ", the latents " + latents.size(0));
      }
    }
    return new SamplerState(step, latents, Collections.unmodifiableMap(new LinkedHashMap<>(history)));
  }

  /** A state without history. */
  public static SamplerState of(int step, Tensor latents) {
    return of(step, latents, Map.of());
  }

  /** The step this state enters (0 for the initial noise, steps() once sampling is done). */
  public int step() {
    return step;
  }

  public Tensor latents() {
    check();
    return latents;
  }

  public long batch() {
    return latents.size(0);
  }

  /** A history tensor, or null when the state has none of that name (yet). */
  public Tensor history(String name) {
    check();
    return history.get(name);
  }

  public Set<String> historyNames() {
    return history.keySet();
  }

  /** Another owner of the same tensors: close both, in any order. */
  public SamplerState share() {
    check();
    return new SamplerState(step, latents, history);
  }

  /**
   * The states of one step stacked along the batch dimension, in order: how calibration runs several
   * restarted trajectories as one batch. The result owns new tensors; the inputs stay open.
   */
  public static SamplerState stack(List<SamplerState> states) {
    if (states.isEmpty()) {
      throw new IllegalArgumentException("no states to stack");
    }
    SamplerState first = states.get(0);
    if (states.size() == 1) {
      return first.share();
    }
    for (SamplerState s : states) {
      if (s.step != first.step || !s.history.keySet().equals(first.history.keySet())) {
        throw new IllegalArgumentException(
            "cannot stack a state entering step " + s.step + " with history " + s.history.keySet()
                + " onto one entering step " + first.step + " with " + first.history.keySet());
      }
    }
    Map<String, Tensor> history = new LinkedHashMap<>();
    for (String name : first.history.keySet()) {
      history.put(name, cat(states, name));
    }
    return new SamplerState(first.step, cat(states, null), history);
  }

  private static Tensor cat(List<SamplerState> states, String name) {
    TensorVector parts = new TensorVector();
    for (SamplerState s : states) {
      Tensor t = name == null ? s.latents() : s.history(name);
      Tensor reference = name == null ? states.get(0).latents() : states.get(0).history(name);
      if (t.dim() != reference.dim() || !java.util.Arrays.equals(rest(t), rest(reference))) {
        throw new IllegalArgumentException(
            "cannot stack " + (name == null ? "latents" : "'" + name + "'") + " of shape " + Tensors.shapeString(t)
                + " onto " + Tensors.shapeString(reference));
      }
      parts.push_back(t);
    }
    return torch.cat(parts, 0);
  }

  private static long[] rest(Tensor t) {
    long[] s = Tensors.shape(t);
    return java.util.Arrays.copyOfRange(s, 1, s.length);
  }

  private void check() {
    if (closed) {
      throw new IllegalStateException("sampler state of step " + step + " is closed");
    }
  }

  /** Gives back this owner's reference to the tensors; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      latents.releaseReference();
      history.values().forEach(Tensor::releaseReference);
    }
  }
}
