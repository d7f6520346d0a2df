package dev.lemica.pipeline;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.StepListener;
import org.bytedeco.pytorch.Tensor;

/** One sampling run of a transformer under a cache policy with classifier-free guidance: the part every pipeline shares. */
public final class CachedSampling {
  private CachedSampling() {}

  public static SamplingResult run(
      DiffusionTransformer transformer,
      Sampler sampler,
      Conditioning conditioning,
      Guidance guidance,
      Tensor noise,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      StepListener listener) {
    GuidedDenoiser.Branches effective = branches.serving(policy);
    long start = System.nanoTime();
    int[] computedSteps = {0};
    try (ResidualCache cache = new ResidualCache(policy.start(sampler.steps()));
        GuidedDenoiser denoiser =
            new GuidedDenoiser(transformer, conditioning.cond(), conditioning.uncond(), guidance, cache, effective)) {
      Tensor out =
          sampler.sample(
              noise,
              denoiser,
              (step, steps, computed) -> {
                if (computed) {
                  computedSteps[0]++;
                }
                listener.stepDone(step, steps, computed);
              });
      int perCall = denoiser.branchesPerCall();
      return new SamplingResult(
          out, computedSteps[0], cache.computedCalls() * perCall, cache.reusedCalls() * perCall, (System.nanoTime() - start) / 1e9);
    }
  }
}
