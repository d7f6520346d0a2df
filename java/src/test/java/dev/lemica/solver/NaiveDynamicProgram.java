package dev.lemica.solver;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * A slow second reference for sizes brute force cannot reach: the same backward dynamic program,
 * but every state keeps its whole sorted error vector (or BigDecimal sum) and compares it naively.
 * Its exactness rests on the lemma the brute-force tests check; it exercises the solver's
 * prefix/range-minimum machinery on long vectors.
 */
final class NaiveDynamicProgram {
  private NaiveDynamicProgram() {}

  /** paths[B] for B = 2..T, or null where infeasible. */
  static int[][] allBudgets(ErrorMatrix m, Objective objective) {
    if (objective == Objective.MINIMAX_SUM) {
      throw new IllegalArgumentException("not decomposable; the brute force covers it");
    }
    int t = m.steps();
    Object[][] value = new Object[t + 1][t];
    int[][] succ = new int[t + 1][t];
    for (int[] row : succ) {
      Arrays.fill(row, -1);
    }
    value[1][t - 1] = objective == Objective.LEX_MINIMAX ? new double[0] : BigDecimal.ZERO;
    succ[1][t - 1] = t - 1;
    for (int k = 2; k <= t; k++) {
      for (int i = 0; i < t; i++) {
        Object best = null;
        for (int j = i + 1; j < t; j++) {
          if (!m.hasEdge(i, j) || value[k - 1][j] == null) {
            continue;
          }
          Object cand = extend(value[k - 1][j], m.error(i, j));
          if (best == null || compare(cand, best) < 0) {
            best = cand;
            succ[k][i] = j;
          }
        }
        value[k][i] = best;
      }
    }
    int[][] paths = new int[t + 1][];
    for (int k = 2; k <= t; k++) {
      if (value[k][0] == null) {
        continue;
      }
      int[] p = new int[k];
      int x = 0;
      for (int l = k; l >= 2; l--) {
        p[k - l] = x;
        x = succ[l][x];
      }
      p[k - 1] = x;
      paths[k] = p;
    }
    return paths;
  }

  private static Object extend(Object v, double w) {
    if (v instanceof BigDecimal s) {
      return s.add(new BigDecimal(w));
    }
    double[] a = (double[]) v;
    double[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = w;
    Arrays.sort(out);
    return out; // ascending; compared from the end
  }

  private static int compare(Object x, Object y) {
    if (x instanceof BigDecimal s) {
      return s.compareTo((BigDecimal) y);
    }
    double[] a = (double[]) x;
    double[] b = (double[]) y;
    for (int k = a.length - 1; k >= 0; k--) {
      int c = Double.compare(a[k], b[k]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
