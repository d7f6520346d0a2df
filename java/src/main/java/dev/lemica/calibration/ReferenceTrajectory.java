package dev.lemica.calibration;

import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ResidualCache;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The uncached run that every edge is measured against, with what a restart needs: the latents
 * entering every step, and the block-stack residual every step computed, per cache context.
 * Everything is retained on the compute device until {@link #release}.
 */
final class ReferenceTrajectory {
  /** latents.get(i): x before step i; latents.get(T): the final output. */
  private final List<Tensor> latents = new ArrayList<>();
  /** residuals.get(i): residual per context computed at step i. */
  private final List<Map<String, Tensor>> residuals = new ArrayList<>();

  static ReferenceTrajectory record(FlowMatchEuler sampler, Tensor noise, DenoiserFactory denoisers, StepListener listener) {
    ReferenceTrajectory t = new ReferenceTrajectory();
    try (ResidualCache cache = new ResidualCache(FullCompute.INSTANCE.start(sampler.steps()));
        GuidedDenoiser denoiser = denoisers.create(cache, 1)) {
      Tensor x = noise.to(denoiser.device(), ScalarType.Float).clone();
      t.keep(x.clone());
      for (int i = 0; i < sampler.steps(); i++) {
        sampler.step(x, i, denoiser, listener);
        t.keep(x.clone());
        Map<String, Tensor> step = new HashMap<>();
        cache.residuals().forEach((context, r) -> {
          Tensor copy = r.clone();
          copy.retainReference();
          step.put(context, copy);
        });
        t.residuals.add(step);
      }
    }
    return t;
  }

  private void keep(Tensor x) {
    x.retainReference();
    latents.add(x);
  }

  Tensor latentsBefore(int step) {
    return latents.get(step);
  }

  Tensor finalOutput() {
    return latents.get(latents.size() - 1);
  }

  Map<String, Tensor> residualsOf(int step) {
    return residuals.get(step);
  }

  void release() {
    latents.forEach(Tensor::releaseReference);
    residuals.forEach(m -> m.values().forEach(Tensor::releaseReference));
    latents.clear();
    residuals.clear();
  }
}
