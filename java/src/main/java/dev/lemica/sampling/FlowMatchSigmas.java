package dev.lemica.sampling;

/**
 * The shifted flow-matching noise levels: s = linspace(1, 0, T+1), σ = shift·s / (1 + (shift−1)·s),
 * timestep = 1000·σ. A shift above 1 spends more steps at high noise, where video layout forms.
 */
public final class FlowMatchSigmas {
  private final double[] sigmas;

  private FlowMatchSigmas(double[] sigmas) {
    this.sigmas = sigmas;
  }

  public static FlowMatchSigmas shifted(int steps, double shift) {
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
    }
    if (!(shift > 0) || Double.isInfinite(shift)) {
      throw new IllegalArgumentException("--shift must be a positive number, got " + shift);
    }
    double[] sigmas = new double[steps + 1];
    for (int i = 0; i <= steps; i++) {
      double s = 1.0 - (double) i / steps;
      sigmas[i] = shift * s / (1 + (shift - 1) * s);
    }
    return new FlowMatchSigmas(sigmas);
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
    return sigmas[i] * 1000.0;
  }
}
