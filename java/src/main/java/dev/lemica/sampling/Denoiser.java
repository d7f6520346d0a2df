package dev.lemica.sampling;

import org.bytedeco.pytorch.Tensor;

/** The sampler's view of the model: a (guided) velocity for the current latents. */
public interface Denoiser {
  /** Velocity at a step, and whether the block stack ran for it. */
  record Prediction(Tensor velocity, boolean computed) {}

  /**
   * @param x latents, float32
   * @param step the sampler's step index, what cache schedules are indexed by
   * @param timestep the model's timestep input for this step
   */
  Prediction predict(Tensor x, int step, double timestep);
}
