package dev.lemica.solver;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * Exhaustive reference: every subset of the interior steps, scored with plain code that shares
 * nothing with the solver (sorted double arrays, BigDecimal sums).
 */
final class BruteForce {
  private BruteForce() {}

  /** best[B] = optimal path with B steps under the objective and tie rule, or null. */
  static int[][] allBudgets(ErrorMatrix m, Objective objective) {
    int t = m.steps();
    int interior = t - 2;
    int[][] best = new int[t + 1][];
    for (int mask = 0; mask < (1 << interior); mask++) {
      int[] path = new int[Integer.bitCount(mask) + 2];
      int c = 0;
      path[c++] = 0;
      for (int s = 1; s <= interior; s++) {
        if ((mask & (1 << (s - 1))) != 0) {
          path[c++] = s;
        }
      }
      path[c] = t - 1;
      if (!valid(m, path)) {
        continue;
      }
      int b = path.length;
      if (best[b] == null || better(m, objective, path, best[b])) {
        best[b] = path;
      }
    }
    return best;
  }

  static boolean valid(ErrorMatrix m, int[] path) {
    for (int k = 0; k + 1 < path.length; k++) {
      if (!m.hasEdge(path[k], path[k + 1])) {
        return false;
      }
    }
    return true;
  }

  /** Strictly better value, or equal value and lexicographically smaller steps. */
  static boolean better(ErrorMatrix m, Objective objective, int[] p, int[] q) {
    int c = compareValue(m, objective, p, q);
    return c < 0 || (c == 0 && Arrays.compare(p, q) < 0);
  }

  static int compareValue(ErrorMatrix m, Objective objective, int[] p, int[] q) {
    return switch (objective) {
      case LEX_MINIMAX -> compareSortedDecreasing(errors(m, p), errors(m, q));
      case MIN_SUM -> sum(m, p).compareTo(sum(m, q));
      case MINIMAX_SUM -> {
        int c = Double.compare(max(m, p), max(m, q));
        yield c != 0 ? c : sum(m, p).compareTo(sum(m, q));
      }
    };
  }

  static double[] errors(ErrorMatrix m, int[] p) {
    double[] e = new double[p.length - 1];
    for (int k = 0; k + 1 < p.length; k++) {
      e[k] = m.error(p[k], p[k + 1]);
    }
    return e;
  }

  static int compareSortedDecreasing(double[] a, double[] b) {
    double[] x = a.clone();
    double[] y = b.clone();
    Arrays.sort(x);
    Arrays.sort(y);
    for (int k = x.length - 1; k >= 0; k--) {
      int c = Double.compare(x[k], y[k]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  static BigDecimal sum(ErrorMatrix m, int[] p) {
    BigDecimal s = BigDecimal.ZERO;
    for (double w : errors(m, p)) {
      s = s.add(new BigDecimal(w));
    }
    return s;
  }

  static double max(ErrorMatrix m, int[] p) {
    double x = 0;
    for (double w : errors(m, p)) {
      x = Math.max(x, w);
    }
    return x;
  }
}
