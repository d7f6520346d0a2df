package dev.lemica.pipeline;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
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
    return run(transformer, sampler, conditioning, guidance, noise, policy, branches, Parallelism.NONE, listener);
  }

  /** As above, each step spread over processes as {@code parallel} says (every process calls it alike). */
  public static SamplingResult run(
      DiffusionTransformer transformer,
      Sampler sampler,
      Conditioning conditioning,
      Guidance guidance,
      Tensor noise,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      Parallelism parallel,
      StepListener listener) {
    if (parallel.sequence().size() > 1 && policy.readsTokens()) {
      throw new IllegalArgumentException(
          "cache policy " + policy.describe() + " decides from the block stack's tokens, of which each rank holds only its own under"
              + " --parallel ulysses: use --parallel cfg, or a step schedule");
    }
    GuidedDenoiser.Branches effective = branches.serving(policy);
    long start = System.nanoTime();
    int[] computedSteps = {0};
    try (ResidualCache cache = new ResidualCache(policy.start(sampler.steps()));
        GuidedDenoiser denoiser =
            new GuidedDenoiser(transformer, conditioning.cond(), conditioning.uncond(), guidance, cache, effective, parallel)) {
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
