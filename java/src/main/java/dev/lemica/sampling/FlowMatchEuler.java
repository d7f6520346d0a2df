package dev.lemica.sampling;

import dev.lemica.kernels.Profiling;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Flow-matching Euler: x ← x + (σ_{i+1} − σ_i)·v. Latents stay in float32 whatever the compute dtype,
 * as diffusers' scheduler upcasts them, so bf16 errors do not accumulate over the steps.
 */
public final class FlowMatchEuler implements Sampler {
  private final FlowMatchSigmas sigmas;

  public FlowMatchEuler(FlowMatchSigmas sigmas) {
    this.sigmas = sigmas;
  }

  public FlowMatchEuler(int steps, double shift) {
    this(FlowMatchSigmas.shifted(steps, shift));
  }

  public FlowMatchSigmas sigmas() {
    return sigmas;
  }

  @Override
  public int steps() {
    return sigmas.steps();
  }

  @Override
  public Tensor sample(Tensor noise, Denoiser denoiser, StepListener listener) {
    return sampleFrom(noise, 0, denoiser, listener);
  }

  /**
   * Continues from latents {@code x} at step {@code first} to the end: how calibration restarts a
   * trajectory from a stored state.
   */
  public Tensor sampleFrom(Tensor x, int first, Denoiser denoiser, StepListener listener) {
    Tensor latents = x.to(denoiser.device(), ScalarType.Float).clone();
    for (int i = first; i < steps(); i++) {
      step(latents, i, denoiser, listener);
    }
    return latents;
  }

  /** One in-place Euler step of {@code latents}. */
  public void step(Tensor latents, int i, Denoiser denoiser, StepListener listener) {
    boolean computed;
    // Every intermediate of the step is freed here; only the in-place latents and retained caches live on.
    try (PointerScope scope = new PointerScope();
        Profiling.Range range = Profiling.nvtxEnabled() ? Profiling.range("step " + i) : Profiling.NO_RANGE) {
      Denoiser.Prediction p = denoiser.predict(latents, i, sigmas.timestep(i));
      latents.add_(p.velocity().to(ScalarType.Float), new Scalar(sigmas.sigma(i + 1) - sigmas.sigma(i)));
      computed = p.computed();
    }
    listener.stepDone(i, steps(), computed);
  }
}
