package dev.lemica.sampling;

/**
 * The noise levels of a flow-matching Euler run: σ_0..σ_N (σ_N = 0) and the model's timestep at each
 * step. Two constructions: the embedded model's own ({@link #shifted}: s = linspace(1, 0, N+1),
 * σ = shift·s / (1 + (shift−1)·s), timestep 1000·σ, all in float64), and diffusers'
 * FlowMatchEulerDiscreteScheduler ({@link #fromConfig}), whose sigmas, timesteps and step sizes are
 * float32 values. A shift above 1 spends more steps at high noise, where video layout forms.
 */
public final class FlowMatchSigmas {
  private final double[] sigmas;
  private final double[] timesteps;
  private final boolean float32;

  private FlowMatchSigmas(double[] sigmas, double[] timesteps, boolean float32) {
    this.sigmas = sigmas;
    this.timesteps = timesteps;
    this.float32 = float32;
  }

  public static FlowMatchSigmas shifted(int steps, double shift) {
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
    }
    if (!(shift > 0) || Double.isInfinite(shift)) {
      throw new IllegalArgumentException("--shift must be a positive number, got " + shift);
    }
    double[] sigmas = new double[steps + 1];
    double[] timesteps = new double[steps];
    for (int i = 0; i <= steps; i++) {
      double s = 1.0 - (double) i / steps;
      sigmas[i] = shift * s / (1 + (shift - 1) * s);
      if (i < steps) {
        timesteps[i] = sigmas[i] * 1000.0;
      }
    }
    return new FlowMatchSigmas(sigmas, timesteps, false);
  }

  /**
   * Float32 sigmas σ_0..σ_{N−1} as diffusers computes them (σ_N = 0 is appended), timesteps
   * σ·{@code numTrainTimesteps} in float32.
   */
  static FlowMatchSigmas float32(double[] sigmas, int numTrainTimesteps) {
    double[] s = new double[sigmas.length + 1];
    double[] t = new double[sigmas.length];
    for (int i = 0; i < sigmas.length; i++) {
      s[i] = (float) sigmas[i];
      t[i] = (float) s[i] * (float) numTrainTimesteps;
    }
    return new FlowMatchSigmas(s, t, true);
  }

  public int steps() {
    return sigmas.length - 1;
  }

  /** σ_i for i in 0..T (σ_T = 0). */
  public double sigma(int i) {
    return sigmas[i];
  }

  /** The model's timestep input at step i. */
  public double timestep(int i) {
    return timesteps[i];
  }

  double[] timesteps() {
    return timesteps.clone();
  }

  /** σ_{i+1} − σ_i, in the precision the schedule's scheduler takes it. */
  public double delta(int i) {
    return float32 ? (double) ((float) sigmas[i + 1] - (float) sigmas[i]) : sigmas[i + 1] - sigmas[i];
  }
}
