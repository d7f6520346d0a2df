package dev.lemica.solver;

/**
 * The worst edge of a path, smaller is better: the first stage of {@link Objective#MINIMAX_SUM}.
 * Only its value is used (as a cap for the min-sum stage), so non-strict monotonicity is harmless.
 */
final class MinimaxValues implements LayeredSearch.Values {
  private final ErrorMatrix matrix;
  private double[] prev;
  private double[] cur;

  MinimaxValues(ErrorMatrix matrix) {
    this.matrix = matrix;
    prev = new double[matrix.steps()];
    cur = new double[matrix.steps()];
  }

  @Override
  public void start(LayeredSearch search) {
    prev[matrix.steps() - 1] = 0; // errors are >= 0, so 0 is the neutral worst edge
  }

  @Override
  public void beginLevel(int k) {}

  @Override
  public int choose(int i, int from, int to, int[] below, double cap) {
    int best = -1;
    double bestValue = 0;
    for (int j = from; j <= to; j++) {
      double w = matrix.rawError(i, j);
      if (below[j] < 0 || !(w <= cap)) { // NaN: absent edge
        continue;
      }
      double v = Math.max(w, prev[j]);
      if (best < 0 || v < bestValue) {
        best = j;
        bestValue = v;
      }
    }
    if (best >= 0) {
      cur[i] = bestValue;
    }
    return best;
  }

  @Override
  public void endLevel(int k) {
    double[] t = prev;
    prev = cur;
    cur = t;
  }
}
