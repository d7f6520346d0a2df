package dev.lemica.schedule;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which denoising steps run the block stack. Indexed by the sampler's step index (0..steps-1), never
 * by a call counter, so a schedule means the same thing however the sampler batches its CFG branches.
 * The first and the last step always compute: the first has nothing to reuse, and the last decides
 * the output.
 */
public final class Schedule {
  private final int steps;
  private final int[] computed;
  private final boolean[] computes;

  private Schedule(int steps, int[] computed) {
    this.steps = steps;
    this.computed = computed;
    this.computes = new boolean[steps];
    for (int s : computed) {
      computes[s] = true;
    }
  }

  /**
   * A schedule over {@code steps} steps computing exactly {@code computedSteps}.
   *
   * @throws IllegalArgumentException naming the first fault: steps &lt; 1, an index out of range, not
   *     strictly increasing, or missing the first or last step
   */
  public static Schedule of(int steps, int... computedSteps) {
    if (steps < 1) {
      throw new IllegalArgumentException("a schedule needs at least 1 step, got " + steps);
    }
    int[] c = computedSteps.clone();
    for (int i = 0; i < c.length; i++) {
      if (c[i] < 0 || c[i] >= steps) {
        throw new IllegalArgumentException(
            "schedule step " + c[i] + " is outside 0.." + (steps - 1) + " for " + steps + " steps");
      }
      if (i > 0 && c[i] <= c[i - 1]) {
        throw new IllegalArgumentException(
            "schedule steps must be strictly increasing, but " + c[i] + " follows " + c[i - 1]);
      }
    }
    if (c.length == 0 || c[0] != 0) {
      throw new IllegalArgumentException("schedule must compute the first step (0)");
    }
    if (c[c.length - 1] != steps - 1) {
      throw new IllegalArgumentException(
          "schedule must compute the last step (" + (steps - 1) + ")");
    }
    return new Schedule(steps, c);
  }

  /** Every step computes: the uncached baseline. */
  public static Schedule full(int steps) {
    int[] all = new int[steps];
    Arrays.setAll(all, i -> i);
    return of(steps, all);
  }

  /**
   * {@code budget} computed steps spread as evenly as the integer grid allows: step k of the budget
   * is round(k * (steps-1) / (budget-1)). Rounding half up keeps the rule reproducible in any language.
   */
  public static Schedule uniform(int steps, int budget) {
    if (budget < 2 && steps > 1) {
      throw new IllegalArgumentException("budget must be at least 2 (first and last step), got " + budget);
    }
    if (budget > steps) {
      throw new IllegalArgumentException("budget " + budget + " exceeds the " + steps + " steps");
    }
    if (steps == 1) {
      return of(1, 0);
    }
    int[] c = new int[budget];
    for (int k = 0; k < budget; k++) {
      c[k] = (int) Math.floor((double) k * (steps - 1) / (budget - 1) + 0.5);
    }
    return of(steps, c);
  }

  /** Parses "0,1,3,7" (spaces allowed) for a run of {@code steps} steps. */
  public static Schedule parseList(int steps, String list) {
    String[] parts = list.trim().split("\\s*,\\s*");
    int[] c = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        c[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("schedule list '" + list + "': '" + parts[i] + "' is not a step index");
      }
    }
    return of(steps, c);
  }

  public int steps() {
    return steps;
  }

  /** Number of steps that run the block stack. */
  public int budget() {
    return computed.length;
  }

  public int[] computedSteps() {
    return computed.clone();
  }

  public boolean computes(int step) {
    if (step < 0 || step >= steps) {
      throw new IndexOutOfBoundsException("step " + step + " outside 0.." + (steps - 1));
    }
    return computes[step];
  }

  /** "0,1,3,7": the form {@link #parseList} reads. */
  public String toList() {
    return Arrays.stream(computed).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Schedule other && other.steps == steps && Arrays.equals(other.computed, computed);
  }

  @Override
  public int hashCode() {
    return 31 * steps + Arrays.hashCode(computed);
  }

  @Override
  public String toString() {
    return "Schedule[" + budget() + "/" + steps + ": " + toList() + "]";
  }
}
