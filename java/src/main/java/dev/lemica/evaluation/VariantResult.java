package dev.lemica.evaluation;

import java.util.Arrays;

/** The outcome of one variant on the evaluation prompts, against the full run. */
public record VariantResult(
    Variant variant,
    VideoMetrics.Scores[] perPrompt,
    int computedSteps,
    int blockStackEvaluations,
    double seconds,
    double fullSeconds,
    int fullEvaluations,
    int fullSteps) {

  public double meanPsnr() {
    return Arrays.stream(perPrompt).mapToDouble(VideoMetrics.Scores::psnr).average().orElse(Double.NaN);
  }

  public double meanSsim() {
    return Arrays.stream(perPrompt).mapToDouble(VideoMetrics.Scores::ssim).average().orElse(Double.NaN);
  }

  public double meanMae() {
    return Arrays.stream(perPrompt).mapToDouble(VideoMetrics.Scores::mae).average().orElse(Double.NaN);
  }

  /** Wall-clock speedup over the full run, both measured in this process. */
  public double speedup() {
    return fullSeconds / seconds;
  }

  /**
   * Computed steps in units of the full run's steps: block-stack evaluations relative to the full
   * run's, times its step count. Equals the budget for static schedules; what TeaCache actually spent.
   */
  public double effectiveBudget(int fullSteps) {
    return (double) blockStackEvaluations * fullSteps / fullEvaluations;
  }

  /** The speedup if only block-stack evaluations cost time. */
  public double idealSpeedup() {
    return (double) fullEvaluations / blockStackEvaluations;
  }
}
