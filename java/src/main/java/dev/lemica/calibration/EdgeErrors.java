package dev.lemica.calibration;

import dev.lemica.solver.EdgeWeight;
import java.util.Arrays;

/**
 * Measured edge errors, per calibration prompt: w_p(i, j) for 2 ≤ j−i ≤ maxSkip; NaN until measured.
 * Adjacent edges reuse nothing and cost exactly 0.
 */
public final class EdgeErrors {
  private final int steps;
  private final int maxSkip;
  private final double[][][] perPrompt;

  public EdgeErrors(int steps, int maxSkip, int prompts) {
    if (steps < 2) {
      throw new IllegalArgumentException("calibration needs at least 2 steps, got " + steps);
    }
    if (maxSkip < 2 || maxSkip > steps - 1) {
      throw new IllegalArgumentException("--max-skip must be in 2.." + (steps - 1) + " for " + steps + " steps, got " + maxSkip);
    }
    this.steps = steps;
    this.maxSkip = maxSkip;
    perPrompt = new double[prompts][steps][steps];
    for (double[][] m : perPrompt) {
      for (double[] row : m) {
        Arrays.fill(row, Double.NaN);
      }
    }
  }

  public int steps() {
    return steps;
  }

  public int maxSkip() {
    return maxSkip;
  }

  public int prompts() {
    return perPrompt.length;
  }

  /** Whether i→j is an edge that calibration measures (not adjacent, within the skip limit). */
  public boolean isMeasuredEdge(int i, int j) {
    return i >= 0 && j <= steps - 1 && j - i >= 2 && j - i <= maxSkip;
  }

  /** The starts i of the measured edges that end at j. */
  public int[] startsEndingAt(int j) {
    int first = Math.max(0, j - maxSkip);
    int last = j - 2;
    if (last < first) {
      return new int[0];
    }
    int[] starts = new int[last - first + 1];
    Arrays.setAll(starts, k -> first + k);
    return starts;
  }

  public void set(int prompt, int i, int j, double error) {
    if (!isMeasuredEdge(i, j)) {
      throw new IllegalArgumentException("(" + i + ", " + j + ") is not a measured edge");
    }
    if (!(error >= 0) || Double.isInfinite(error)) {
      throw new IllegalArgumentException("edge (" + i + ", " + j + ") error must be finite and non-negative, got " + error);
    }
    perPrompt[prompt][i][j] = error;
  }

  public double get(int prompt, int i, int j) {
    if (j == i + 1) {
      return 0.0;
    }
    return perPrompt[prompt][i][j];
  }

  public boolean isMeasured(int i, int j) {
    if (j == i + 1) {
      return true;
    }
    for (double[][] m : perPrompt) {
      if (Double.isNaN(m[i][j])) {
        return false;
      }
    }
    return true;
  }

  /** Whether every edge ending at j is measured for every prompt. */
  public boolean groupComplete(int j) {
    for (int i : startsEndingAt(j)) {
      if (!isMeasured(i, j)) {
        return false;
      }
    }
    return true;
  }

  public boolean complete() {
    for (int j = 2; j < steps; j++) {
      if (!groupComplete(j)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Takes every value {@code other} measured that this lacks: how the parts of a calibration
   * measured in several processes (or runs) join.
   *
   * @throws IllegalArgumentException when {@code other} is for another steps / max skip / prompts
   */
  public void fillFrom(EdgeErrors other) {
    if (other.steps != steps || other.maxSkip != maxSkip || other.prompts() != prompts()) {
      throw new IllegalArgumentException("errors for " + other.steps + " steps, max skip " + other.maxSkip + " and " + other.prompts()
          + " prompts do not join errors for " + steps + ", " + maxSkip + " and " + prompts());
    }
    for (int p = 0; p < perPrompt.length; p++) {
      for (int i = 0; i < steps; i++) {
        for (int j = 0; j < steps; j++) {
          if (Double.isNaN(perPrompt[p][i][j]) && !Double.isNaN(other.perPrompt[p][i][j])) {
            perPrompt[p][i][j] = other.perPrompt[p][i][j];
          }
        }
      }
    }
  }

  /** Every per-prompt value, prompt-major then i then j (NaN where unmeasured): the form processes exchange. */
  public double[] toArray() {
    double[] out = new double[perPrompt.length * steps * steps];
    int k = 0;
    for (double[][] m : perPrompt) {
      for (double[] row : m) {
        System.arraycopy(row, 0, out, k, steps);
        k += steps;
      }
    }
    return out;
  }

  /** Errors for this calibration's shape holding {@link #toArray}'s values. */
  public EdgeErrors withValues(double[] values) {
    if (values.length != perPrompt.length * steps * steps) {
      throw new IllegalArgumentException("expected " + perPrompt.length * steps * steps + " values, got " + values.length);
    }
    EdgeErrors e = new EdgeErrors(steps, maxSkip, perPrompt.length);
    int k = 0;
    for (double[][] m : e.perPrompt) {
      for (double[] row : m) {
        System.arraycopy(values, k, row, 0, steps);
        k += steps;
      }
    }
    return e;
  }

  /** Block-stack cost of measuring group j, per prompt: its edges each run the steps from j to the end. */
  public long groupCost(int j) {
    return (long) (steps - j) * startsEndingAt(j).length;
  }

  /** Mean over prompts; NaN where unmeasured. */
  public double mean(int i, int j) {
    double sum = 0;
    for (int p = 0; p < prompts(); p++) {
      sum += get(p, i, j);
    }
    return sum / prompts();
  }

  /** The edge's weight over the samples under {@code weight}; NaN where unmeasured. */
  public double weighted(int i, int j, EdgeWeight weight) {
    if (weight instanceof EdgeWeight.Mean) {
      return mean(i, j);
    }
    double[] values = new double[prompts()];
    for (int p = 0; p < prompts(); p++) {
      values[p] = get(p, i, j);
      if (Double.isNaN(values[p])) {
        return Double.NaN;
      }
    }
    return weight.of(values);
  }

  /** Population standard deviation over prompts; NaN where unmeasured. */
  public double spread(int i, int j) {
    double m = mean(i, j);
    double sum = 0;
    for (int p = 0; p < prompts(); p++) {
      double d = get(p, i, j) - m;
      sum += d * d;
    }
    return Math.sqrt(sum / prompts());
  }
}
