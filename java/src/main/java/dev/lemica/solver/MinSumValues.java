package dev.lemica.solver;

/**
 * Values for {@link Objective#MIN_SUM} (and the second stage of {@link Objective#MINIMAX_SUM}): the
 * exact real sum of a path's errors, smaller is better. Exact addition is strictly monotone, so the
 * dynamic program and the tie rule are exact.
 *
 * <p>Each state stores its sum as an unevaluated pair hi + lo (double-double) built with
 * error-free additions, and a flag saying whether that pair is still the exact sum. Errors of
 * similar magnitude (the usual case: 50 to 1000 values within some 50 binary orders of magnitude)
 * keep it exact, and two exact pairs compare exactly by (hi, lo). When a pair lost bits, a bound on
 * what it lost still decides most comparisons; the rest are settled by walking both paths to where
 * they meet and comparing the two differing parts with an exact expansion.
 */
final class MinSumValues implements LayeredSearch.Values {
  private final ErrorMatrix matrix;
  private LayeredSearch search;
  private int level;

  private double[] prevHi;
  private double[] prevLo;
  private double[] prevErr; // |exact sum - (hi + lo)| <= err
  private boolean[] prevExact;
  private double[] curHi;
  private double[] curLo;
  private double[] curErr;
  private boolean[] curExact;

  // The last candidate computed by candidate(): hi, lo, err, exact.
  private double cHi;
  private double cLo;
  private double cErr;
  private boolean cExact;

  private double[] plus;
  private double[] minus;

  MinSumValues(ErrorMatrix matrix) {
    this.matrix = matrix;
    int steps = matrix.steps();
    prevHi = new double[steps];
    prevLo = new double[steps];
    prevErr = new double[steps];
    prevExact = new boolean[steps];
    curHi = new double[steps];
    curLo = new double[steps];
    curErr = new double[steps];
    curExact = new boolean[steps];
    plus = new double[steps + 1];
    minus = new double[steps + 1];
  }

  @Override
  public void start(LayeredSearch search) {
    this.search = search;
    int last = matrix.steps() - 1;
    prevHi[last] = 0;
    prevLo[last] = 0;
    prevErr[last] = 0;
    prevExact[last] = true;
  }

  @Override
  public void beginLevel(int k) {
    level = k;
  }

  /** Sets cHi, cLo, cErr, cExact to w(i,j) plus the sum of the best path of (j, level-1). */
  private void candidate(int j, double w) {
    double s = prevHi[j] + w;
    double e1 = ExactSum.twoSumError(prevHi[j], w, s);
    double t = prevLo[j] + e1;
    double e2 = ExactSum.twoSumError(prevLo[j], e1, t);
    double hi = s + t;
    cLo = ExactSum.twoSumError(s, t, hi);
    cHi = hi;
    cExact = prevExact[j] && e2 == 0;
    cErr = cExact ? 0 : Math.nextUp(prevErr[j] + Math.abs(e2));
  }

  @Override
  public int choose(int i, int from, int to, int[] below, double cap) {
    int best = -1;
    double bHi = 0;
    double bLo = 0;
    double bErr = 0;
    boolean bExact = false;
    for (int j = from; j <= to; j++) {
      double w = matrix.rawError(i, j);
      if (below[j] < 0 || !(w <= cap)) { // NaN: absent edge
        continue;
      }
      candidate(j, w);
      if (best < 0 || compare(i, j, best, bHi, bLo, bErr, bExact) < 0) {
        best = j;
        bHi = cHi;
        bLo = cLo;
        bErr = cErr;
        bExact = cExact;
      }
    }
    if (best >= 0) {
      curHi[i] = bHi;
      curLo[i] = bLo;
      curErr[i] = bErr;
      curExact[i] = bExact;
    }
    return best;
  }

  /** Sign of candidate (i-&gt;j, held in cHi..cExact) minus the best so far (i-&gt;best). */
  private int compare(int i, int j, int best, double hi, double lo, double err, boolean exact) {
    if (cExact && exact) {
      // hi = fl(hi + lo) makes the pair unique, so comparing (hi, lo) compares the exact sums.
      if (cHi != hi) {
        return cHi < hi ? -1 : 1;
      }
      return cLo < lo ? -1 : cLo > lo ? 1 : 0;
    }
    if (upper(cHi, cLo, cErr) < lower(hi, lo, err)) {
      return -1;
    }
    if (upper(hi, lo, err) < lower(cHi, cLo, cErr)) {
      return 1;
    }
    return exactCompare(i, j, best);
  }

  private static double upper(double hi, double lo, double err) {
    return Math.nextUp(hi + Math.nextUp(lo + err));
  }

  private static double lower(double hi, double lo, double err) {
    return Math.nextDown(hi + Math.nextDown(lo - err));
  }

  /**
   * Both candidate paths share everything after the first state they have in common (same step,
   * same level), so only the edges before it are summed, exactly.
   */
  private int exactCompare(int i, int j1, int j2) {
    int np = 0;
    int nm = 0;
    plus[np++] = matrix.rawError(i, j1);
    minus[nm++] = matrix.rawError(i, j2);
    int x1 = j1;
    int x2 = j2;
    for (int l = level - 1; x1 != x2; l--) {
      int y1 = search.successor(l, x1);
      int y2 = search.successor(l, x2);
      plus[np++] = matrix.rawError(x1, y1);
      minus[nm++] = matrix.rawError(x2, y2);
      x1 = y1;
      x2 = y2;
    }
    return ExactSum.signOfDifference(plus, np, minus, nm);
  }

  @Override
  public void endLevel(int k) {
    double[] t = prevHi;
    prevHi = curHi;
    curHi = t;
    t = prevLo;
    prevLo = curLo;
    curLo = t;
    t = prevErr;
    prevErr = curErr;
    curErr = t;
    boolean[] b = prevExact;
    prevExact = curExact;
    curExact = b;
  }
}
