package dev.lemica.pipeline;

import java.util.List;

/**
 * What a user asks a pipeline for. Every field but the prompts may be null: the pipeline fills it
 * with its default (from its folder, else from the diffusers pipeline it reproduces) in
 * {@link DiffusionPipeline#resolve}.
 *
 * @param negativePrompts one per prompt, or one for all; null for the pipeline's default
 * @param shift the flow-matching sigma shift, overriding the scheduler config's
 */
public record GenerationRequest(
    List<String> prompts,
    List<String> negativePrompts,
    Integer height,
    Integer width,
    Integer frames,
    Integer steps,
    Double guidance,
    Double shift,
    Integer maxSequenceLength) {

  public GenerationRequest {
    if (prompts == null || prompts.isEmpty()) {
      throw new IllegalArgumentException("give at least one prompt");
    }
    prompts = List.copyOf(prompts);
    negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
  }

  /** The prompts with every other setting at the pipeline's default. */
  public static GenerationRequest of(List<String> prompts) {
    return new GenerationRequest(prompts, null, null, null, null, null, null, null, null);
  }

  public GenerationRequest withSteps(Integer newSteps) {
    return new GenerationRequest(prompts, negativePrompts, height, width, frames, newSteps, guidance, shift, maxSequenceLength);
  }

  public GenerationRequest withGuidance(Double newGuidance) {
    return new GenerationRequest(prompts, negativePrompts, height, width, frames, steps, newGuidance, shift, maxSequenceLength);
  }

  public GenerationRequest withSize(Integer newHeight, Integer newWidth, Integer newFrames) {
    return new GenerationRequest(prompts, negativePrompts, newHeight, newWidth, newFrames, steps, guidance, shift, maxSequenceLength);
  }

  public GenerationRequest withNegativePrompts(List<String> newNegatives) {
    return new GenerationRequest(prompts, newNegatives, height, width, frames, steps, guidance, shift, maxSequenceLength);
  }

  public GenerationRequest withShift(Double newShift) {
    return new GenerationRequest(prompts, negativePrompts, height, width, frames, steps, guidance, newShift, maxSequenceLength);
  }

  public GenerationRequest withMaxSequenceLength(Integer length) {
    return new GenerationRequest(prompts, negativePrompts, height, width, frames, steps, guidance, shift, length);
  }
}
