package dev.lemica.sampling;

import dev.lemica.kernels.Profiling;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * What every sampler's step shares: one model evaluation in a scope of its own, the model output in
 * float32, the listener told afterwards; and the timesteps the model sees. Subclasses say how a
 * state and a model output make the next state.
 */
abstract class StepwiseSampler implements Sampler {
  private final double[] timesteps;
  private final String description;

  /** @param timesteps the model's timestep input at each step, exactly as the scheduler exposes it */
  StepwiseSampler(double[] timesteps, String description) {
    this.timesteps = timesteps.clone();
    this.description = description;
  }

  @Override
  public final int steps() {
    return timesteps.length;
  }

  @Override
  public final double timestep(int step) {
    return timesteps[step];
  }

  @Override
  public final String describe() {
    return description;
  }

  @Override
  public SamplerState start(Tensor noise, Device device) {
    return SamplerState.of(0, noise.to(device, ScalarType.Float));
  }

  @Override
  public final SamplerState step(SamplerState state, Denoiser denoiser, StepListener listener) {
    int i = state.step();
    if (i < 0 || i >= steps()) {
      throw new IllegalArgumentException("no step " + i + " in a " + steps() + "-step " + describe());
    }
    SamplerState next;
    boolean computed;
    // Every intermediate of the step is freed here; the next state retains what it keeps.
    try (PointerScope scope = new PointerScope();
        Profiling.Range range = Profiling.nvtxEnabled() ? Profiling.range("step " + i) : Profiling.NO_RANGE) {
      Denoiser.Prediction p = denoiser.predict(state.latents(), i, timestep(i));
      next = advance(state, p.output().to(ScalarType.Float));
      computed = p.computed();
    }
    listener.stepDone(i, steps(), computed);
    return next;
  }

  /** The state entering step {@code state.step() + 1}, given the model's output at this step. */
  abstract SamplerState advance(SamplerState state, Tensor modelOutput);
}
