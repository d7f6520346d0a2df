package dev.lemica.pipeline;

import java.util.List;

/**
 * A request with every default filled in and checked against the pipeline's factors: what a run
 * actually uses, and what its log line reports.
 *
 * @param negativePrompts one per prompt (empty strings where there is none)
 * @param frames video frames (1 for image pipelines)
 * @param shift the flow-matching shift in effect, or NaN where the sampler has none (or derives it
 *     from the image size)
 * @param maxSequenceLength text tokens per prompt handed to the transformer
 */
public record GenerationSettings(
    List<String> prompts,
    List<String> negativePrompts,
    int height,
    int width,
    int frames,
    int steps,
    double guidance,
    double shift,
    int maxSequenceLength) {

  public GenerationSettings {
    prompts = List.copyOf(prompts);
    negativePrompts = List.copyOf(negativePrompts);
    if (negativePrompts.size() != prompts.size()) {
      throw new IllegalArgumentException(
          negativePrompts.size() + " negative prompts for " + prompts.size() + " prompts (give one, or one per prompt)");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
    }
    if (!Double.isFinite(guidance)) {
      throw new IllegalArgumentException("--guidance must be a finite number, got " + guidance);
    }
  }

  public int batch() {
    return prompts.size();
  }

  /** The same run with {@code newSteps} steps: how evaluation's fewer-steps baseline is made. */
  public GenerationSettings withSteps(int newSteps) {
    return new GenerationSettings(prompts, negativePrompts, height, width, frames, newSteps, guidance, shift, maxSequenceLength);
  }

  /** Prompts [from, to): one prompt's share of a batch. */
  public GenerationSettings rows(int from, int to) {
    return new GenerationSettings(
        prompts.subList(from, to), negativePrompts.subList(from, to), height, width, frames, steps, guidance, shift, maxSequenceLength);
  }

  /** Negative prompts as given (null, one for all, or one per prompt), spread over the batch. */
  public static List<String> spreadNegatives(List<String> given, int batch, String fallback) {
    if (given == null || given.isEmpty()) {
      return java.util.Collections.nCopies(batch, fallback);
    }
    if (given.size() == 1) {
      return java.util.Collections.nCopies(batch, given.get(0));
    }
    if (given.size() != batch) {
      throw new IllegalArgumentException(
          "--negative-prompt: " + given.size() + " given for " + batch + " prompts (give one, or one per prompt)");
    }
    return given;
  }
}
