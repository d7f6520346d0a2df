package dev.lemica.solver;

import dev.lemica.schedule.Schedule;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * A schedule together with the errors of the edges it uses, as measured by the matrix it was solved
 * (or evaluated) on. {@code method} is the objective's name, or "uniform" for the evenly spaced
 * schedule.
 */
public final class SolvedSchedule {
  private final Schedule schedule;
  private final String method;
  private final double[] pathErrors;

  SolvedSchedule(Schedule schedule, String method, double[] pathErrors) {
    this.schedule = schedule;
    this.method = method;
    this.pathErrors = pathErrors;
  }

  /** Evaluates {@code schedule} on {@code matrix}; throws when it uses an edge the matrix lacks. */
  public static SolvedSchedule evaluate(ErrorMatrix matrix, Schedule schedule, String method) {
    return new SolvedSchedule(schedule, method, matrix.pathErrors(schedule));
  }

  public Schedule schedule() {
    return schedule;
  }

  /** "lex-minimax", "min-sum", "minimax-sum" or "uniform". */
  public String method() {
    return method;
  }

  /** Error of each edge in path order: entry k is w(c_k, c_{k+1}) for computed steps c. */
  public double[] pathErrors() {
    return pathErrors.clone();
  }

  /** The same errors sorted in decreasing order: what {@link Objective#LEX_MINIMAX} minimises. */
  public double[] sortedErrors() {
    double[] s = pathErrors.clone();
    Arrays.sort(s);
    for (int a = 0, b = s.length - 1; a < b; a++, b--) {
      double t = s[a];
      s[a] = s[b];
      s[b] = t;
    }
    return s;
  }

  /** The largest edge error (0 for a path of adjacent steps only). */
  public double worstError() {
    double worst = 0;
    for (double w : pathErrors) {
      worst = Math.max(worst, w);
    }
    return worst;
  }

  /** {from, to} of the first edge in path order with the largest error. */
  public int[] worstEdge() {
    int[] c = schedule.computedSteps();
    int at = 0;
    for (int k = 1; k < pathErrors.length; k++) {
      if (pathErrors[k] > pathErrors[at]) {
        at = k;
      }
    }
    return new int[] {c[at], c[at + 1]};
  }

  /** Sum of the edge errors, computed exactly and rounded once. */
  public double totalError() {
    BigDecimal sum = BigDecimal.ZERO;
    for (double w : pathErrors) {
      sum = sum.add(new BigDecimal(w));
    }
    return sum.doubleValue();
  }

  @Override
  public String toString() {
    return method + " " + schedule + " worst " + worstError();
  }
}
