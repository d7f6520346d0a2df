package dev.lemica.solver;

/**
 * Exact arithmetic on sums of doubles with error-free transformations: no rounding decides which
 * path is cheaper. TwoSum gives s = fl(a+b) and the exact remainder e with a+b = s+e; an expansion
 * is a list of such remainders that never overlap, so its sign is the sign of its largest part.
 */
final class ExactSum {
  private ExactSum() {}

  /** The rounding error of a + b: (a + b) - fl(a + b), exactly. */
  static double twoSumError(double a, double b, double s) {
    double bv = s - a;
    double av = s - bv;
    return (a - av) + (b - bv);
  }

  /** Sign of (sum of plus[0..np)) - (sum of minus[0..nm)), computed without rounding. */
  static int signOfDifference(double[] plus, int np, double[] minus, int nm) {
    double[] e = new double[np + nm + 1];
    int len = 0;
    for (int k = 0; k < np; k++) {
      len = grow(e, len, plus[k]);
    }
    for (int k = 0; k < nm; k++) {
      len = grow(e, len, -minus[k]);
    }
    for (int k = len - 1; k >= 0; k--) {
      if (e[k] != 0) {
        return e[k] > 0 ? 1 : -1;
      }
    }
    return 0;
  }

  /** Adds b to the expansion e[0..len) in place (Shewchuk's grow-expansion, zeros dropped). */
  private static int grow(double[] e, int len, double b) {
    double q = b;
    int out = 0;
    for (int k = 0; k < len; k++) {
      double s = q + e[k];
      double err = twoSumError(q, e[k], s);
      q = s;
      if (err != 0) {
        e[out++] = err;
      }
    }
    if (q != 0) {
      e[out++] = q;
    }
    return out;
  }
}
