package dev.lemica.calibration;

import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ResidualCache;
import dev.lemica.cache.ResidualMagnitude;
import dev.lemica.cache.ReuseRule;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.RecordedNoise;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplerState;
import dev.lemica.sampling.StepListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The uncached run that every edge is measured against, with what a restart needs: the complete
 * sampler state entering every step (latents and, for multistep samplers, their history, shared
 * between consecutive states rather than copied), the block-stack residual every step computed per
 * cache context, and for a stochastic sampler the noise every step drew, so restarted runs replay
 * it. Everything is retained on the compute device until {@link #release}.
 */
final class ReferenceTrajectory {
  /** states.get(i): the state entering step i; states.get(T): the final one. */
  private final List<SamplerState> states = new ArrayList<>();
  /** residuals.get(i): residual per context computed at step i. */
  private final List<Map<String, Tensor>> residuals = new ArrayList<>();
  private final RecordedNoise noise;

  private ReferenceTrajectory(RecordedNoise noise) {
    this.noise = noise;
  }

  static ReferenceTrajectory record(Sampler sampler, Tensor initial, DenoiserFactory denoisers, StepListener listener) {
    ReferenceTrajectory t = new ReferenceTrajectory(sampler.isStochastic() ? new RecordedNoise() : null);
    Sampler recording = sampler.isStochastic() ? sampler.withNoise(t.noise.recordingFrom(sampler.noise())) : sampler;
    try (ResidualCache cache = new ResidualCache(FullCompute.INSTANCE.start(sampler.steps()));
        GuidedDenoiser denoiser = denoisers.create(cache, 1)) {
      SamplerState state = recording.start(initial, denoiser.device());
      t.states.add(state);
      for (int i = 0; i < sampler.steps(); i++) {
        state = recording.step(state, denoiser, listener);
        t.states.add(state);
        Map<String, Tensor> step = new HashMap<>();
        cache.residuals().forEach((context, r) -> {
          Tensor copy = r.clone();
          copy.retainReference();
          step.put(context, copy);
        });
        t.residuals.add(step);
      }
    } catch (RuntimeException | Error e) {
      t.release();
      throw e;
    }
    return t;
  }

  /** The sampler for restarted runs: {@code sampler} replaying the reference's step noise. */
  Sampler replaying(Sampler sampler) {
    return noise == null ? sampler : sampler.withNoise(noise);
  }

  SamplerState stateBefore(int step) {
    return states.get(step);
  }

  Tensor finalOutput() {
    return states.get(states.size() - 1).latents();
  }

  Map<String, Tensor> residualsOf(int step) {
    return residuals.get(step);
  }

  /**
   * Mean per-token L2 norm of the residual at every step, averaged over the contexts (CFG
   * branches, whatever their layout) and samples: the magnitudes of {@link ReuseRule#magnitudeRatio}.
   */
  double[] residualMagnitudes() {
    double[] m = new double[residuals.size()];
    for (int s = 0; s < m.length; s++) {
      Map<String, Tensor> step = residuals.get(s);
      double sum = 0;
      long rows = 0;
      for (Tensor r : step.values()) {
        sum += ResidualMagnitude.mean(r) * r.size(0);
        rows += r.size(0);
      }
      m[s] = sum / rows;
    }
    return m;
  }

  void release() {
    states.forEach(SamplerState::close);
    residuals.forEach(m -> m.values().forEach(Tensor::releaseReference));
    states.clear();
    residuals.clear();
    if (noise != null) {
      noise.close();
    }
  }
}
