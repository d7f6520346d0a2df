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
  public int compare(int i, int j1, int j2) {
    double a = Math.max(matrix.rawError(i, j1), prev[j1]);
    double b = Math.max(matrix.rawError(i, j2), prev[j2]);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  @Override
  public void accept(int i, int j) {
    cur[i] = Math.max(matrix.rawError(i, j), prev[j]);
  }

  @Override
  public void endLevel(int k) {
    double[] t = prev;
    prev = cur;
    cur = t;
  }
}
