package dev.lemica.sampling;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

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

  /**
   * Where the latents should live between steps: the model's device. Latents kept elsewhere would
   * cross the bus twice per step (and LibTorch refuses to mix devices in the update).
   */
  default Device device() {
    return new Device(torch.DeviceType.CPU);
  }
}
