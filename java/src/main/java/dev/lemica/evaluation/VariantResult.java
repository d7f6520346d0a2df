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

  /** The lowest PSNR over the samples: the prompt (and seed) the variant hurts most. */
  public double worstPsnr() {
    return Arrays.stream(perPrompt).mapToDouble(VideoMetrics.Scores::psnr).min().orElse(Double.NaN);
  }

  public double worstSsim() {
    return Arrays.stream(perPrompt).mapToDouble(VideoMetrics.Scores::ssim).min().orElse(Double.NaN);
  }

  /** The highest MAE over the samples. */
  public double worstMae() {
    return Arrays.stream(perPrompt).mapToDouble(VideoMetrics.Scores::mae).max().orElse(Double.NaN);
  }

  /** Index of the sample with the lowest PSNR (the first of equals). */
  public int worstPsnrSample() {
    int worst = 0;
    for (int k = 1; k < perPrompt.length; k++) {
      if (perPrompt[k].psnr() < perPrompt[worst].psnr()) {
        worst = k;
      }
    }
    return worst;
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
