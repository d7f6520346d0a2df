package dev.lemica.sampling;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The sampler's view of the model: its (guided) output for the current latents. */
public interface Denoiser {
  /**
   * The model output at a step, whatever it means to the sampler (velocity, epsilon, v, ...), and
   * whether the block stack ran for it.
   */
  record Prediction(Tensor output, boolean computed) {}

  /**
   * @param x latents, float32
   * @param step the sampler's step index, what cache schedules are indexed by
   * @param timestep the model's timestep input for this step, as the sampler exposes it (UniPC and
   *     DDIM: an integer; flow-match Euler: σ·1000 in float32; Open-Sora: its transformed t)
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
