package dev.lemica.sampling;

import org.bytedeco.pytorch.Tensor;

/** Integrates from noise to a sample with a denoiser. */
public interface Sampler {
  int steps();

  /** Returns the final latents (float32, a new tensor); {@code noise} is left untouched. */
  Tensor sample(Tensor noise, Denoiser denoiser, StepListener listener);
}
