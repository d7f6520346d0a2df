package dev.lemica.sampling;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Integrates from noise to a sample with a denoiser, one step at a time over immutable
 * {@link SamplerState}s: a state taken at any step is a complete snapshot, from which
 * {@link #sampleFrom} continues exactly as the uninterrupted run would (for a stochastic sampler,
 * given the same step noise), and states of the same step stack along the batch.
 *
 * <p>The denoiser is asked {@code predict(x, step, timestep(step))}: the step index is what cache
 * schedules index; the timestep is the model's input as the scheduler exposes it. Latents stay
 * float32 on {@link Denoiser#device()}; every step runs in its own {@code PointerScope}.
 */
public interface Sampler {
  int steps();

  /**
   * What this sampler is, as provenance records it: the scheduler class and the settings that shape
   * its trajectory, e.g. {@code UniPCMultistepScheduler(order 2, bh2, flow_shift 3.0)}.
   */
  String describe();

  /** The model's timestep input at step {@code step} (an int64 or float32 value, exactly, as a double). */
  double timestep(int step);

  /** The state entering step 0: {@code noise} (left untouched) as float32 latents on {@code device}. */
  SamplerState start(Tensor noise, Device device);

  /**
   * Runs step {@code state.step()} and returns the state entering the next; {@code state} stays open
   * and unchanged (close it when done).
   */
  SamplerState step(SamplerState state, Denoiser denoiser, StepListener listener);

  /** Whether steps draw noise (then from the source given by {@link #withNoise}). */
  default boolean isStochastic() {
    return false;
  }

  /** Where the step noise comes from; null for a deterministic sampler. */
  default NoiseSource noise() {
    return null;
  }

  /** This sampler drawing its step noise from {@code noise}; a deterministic sampler returns itself. */
  default Sampler withNoise(NoiseSource noise) {
    return this;
  }

  /** Returns the final latents (float32, in the caller's scope); {@code noise} is left untouched. */
  default Tensor sample(Tensor noise, Denoiser denoiser, StepListener listener) {
    try (SamplerState start = start(noise, denoiser.device())) {
      return sampleFrom(start, denoiser, listener);
    }
  }

  /** Runs every step from {@code state} to the end and returns the final latents; {@code state} stays open. */
  default Tensor sampleFrom(SamplerState state, Denoiser denoiser, StepListener listener) {
    SamplerState current = state.share();
    try {
      while (current.step() < steps()) {
        SamplerState next = step(current, denoiser, listener);
        current.close();
        current = next;
      }
      // A handle of the caller's scope on the final latents, which the state's own reference leaves.
      return new Tensor(current.latents());
    } finally {
      current.close();
    }
  }
}
