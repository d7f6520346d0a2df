package dev.lemica.sampling;

import org.bytedeco.pytorch.Tensor;

/**
 * How the two classifier-free guidance branches become one prediction. Pipelines differ here and
 * only here: the plain rule of Wan, Latte and Open-Sora, Qwen-Image's norm-rescaled true CFG,
 * CogVideoX's dynamic (timestep-dependent) scale; FLUX.1-dev distils guidance into an input and runs
 * one branch.
 */
public interface Guidance {
  /** Whether the unconditional branch runs at all; when not, the cond output is the prediction. */
  boolean guided();

  /** The prediction at sampler step {@code step} from the branches' outputs (same shape). */
  Tensor combine(Tensor uncond, Tensor cond, int step, double timestep);

  /** For logs and provenance, e.g. "cfg 5.0". */
  String describe();

  /** {@code uncond + scale·(cond − uncond)}; scale 1 runs the cond branch only (the result is the same). */
  static Guidance classifierFree(double scale) {
    return new ClassifierFreeGuidance(scale);
  }

  /** The cond branch alone: models without CFG (FLUX.1-dev), or guidance switched off. */
  static Guidance none() {
    return new ClassifierFreeGuidance(1.0);
  }
}
