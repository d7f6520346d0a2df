package dev.lemica.model;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Made-up inputs of a given size for speed and memory measurements ({@code lemica bench}), with
 * what those measurements divide by.
 *
 * @param latents float32 noise in the layout the sampler integrates (Wan: (1, C, F, H, W); FLUX and
 *     Qwen-Image: packed (1, tokens, C·4))
 * @param cond the cond branch's other inputs, as {@code GuidedDenoiser} takes them
 * @param uncond the uncond branch's, same names
 * @param guidance the CFG scale the family samples with (1 for guidance-distilled FLUX.1-dev: one branch)
 * @param tokens latent tokens after patching
 * @param forwardFlops floating-point operations of one forward of one sample (multiply-add = 2)
 * @param blockStackFlops the block stack's share of them: what caching saves
 */
public record ExampleInputs(
    Tensor latents,
    Map<String, Tensor> cond,
    Map<String, Tensor> uncond,
    double guidance,
    long tokens,
    double forwardFlops,
    double blockStackFlops) {

  /** Checks a video model's latent without the batch: four positive sizes (C, F, H, W). */
  public static void requireVideoLatent(java.util.List<Long> latentShape) {
    if (latentShape.size() != 4 || latentShape.stream().anyMatch(v -> v <= 0)) {
      throw new IllegalArgumentException("--latent: a video model takes four positive sizes C,F,H,W, got " + latentShape);
    }
  }
}
