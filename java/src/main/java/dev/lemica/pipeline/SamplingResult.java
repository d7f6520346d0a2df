package dev.lemica.pipeline;

import org.bytedeco.pytorch.Tensor;

/**
 * The latents one sampling run ended with, and what the cache did on the way.
 *
 * @param computedSteps steps at which the block stack ran (for some branch)
 * @param blockStackEvaluations block-stack passes, counted per CFG branch
 * @param reusedEvaluations passes replaced by the cached residual, per CFG branch
 */
public record SamplingResult(Tensor latents, int computedSteps, int blockStackEvaluations, int reusedEvaluations, double seconds) {}
