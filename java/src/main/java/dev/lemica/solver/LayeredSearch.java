package dev.lemica.solver;

import java.util.Arrays;

/**
 * The engine shared by every objective: a dynamic program over states (i, k) = "the best path from
 * step i to the last step T-1 that computes exactly k steps, i and T-1 included". A schedule with
 * budget B is the state (0, B); the states (0, k) for every k are the schedules for every budget.
 *
 * <p>The program runs backwards, from T-1 towards 0, level by level in k. Each level needs only the
 * level below it, so an objective keeps at most two levels of values; the engine keeps one
 * successor pointer per state, which is all a path needs.
 *
 * <p><b>Tie rule.</b> Among paths of equal value the solver returns the lexicographically smallest
 * sequence of computed steps (the one that computes earliest at the first place they differ). Going
 * backwards makes the rule local: two paths from i differ first at their successor, so at each state
 * the engine keeps the smallest successor among the equally good ones. This is exact as long as the
 * objective is <i>strictly</i> monotone (prepending the same edge to a strictly better suffix gives
 * a strictly better path), which every objective here is: if the overall lexicographically smallest
 * optimal path P passed through a suffix S that were not the kept one S*, then S would be optimal
 * but not smallest, and P with S replaced by S* would be optimal and smaller than P.
 */
final class LayeredSearch {

  /**
   * One objective's values over the levels; {@link LayeredSearch} drives it. Each objective runs
   * its own candidate loop ({@link #choose}) because that loop is the solver's hot spot: 20 million
   * candidates for T=1000, L=100, B=400.
   */
  interface Values {
    /** Level 1 holds one state, (T-1, 1): the path that is just the last step, with no edges. */
    void start(LayeredSearch search);

    /** Level k is about to be chosen; the values of level k-1 are final. */
    void beginLevel(int k);

    /**
     * Chooses state (i, k): the best path "edge i-&gt;j, then best(j, k-1)" over the steps j in
     * [from, to] with {@code below[j] >= 0} (state (j, k-1) has a path), an existing edge i-&gt;j
     * and w(i,j) &lt;= cap. Implements the tie rule: candidates are taken in increasing j and only
     * a strictly better one replaces the best so far, so the smallest j wins ties. Records the
     * choice as the value of (i, k) and returns j, or -1 when no candidate exists.
     */
    int choose(int i, int from, int to, int[] below, double cap);

    /** Every state of level k has been chosen. */
    void endLevel(int k);
  }

  private final ErrorMatrix matrix;
  private final int steps;
  // succ[k][i]: the step after i on the best path of state (i, k); -1 when (i, k) has no path.
  private final int[][] succ;
  private int levelsDone;

  private LayeredSearch(ErrorMatrix matrix, int levels) {
    this.matrix = matrix;
    this.steps = matrix.steps();
    this.succ = new int[levels + 1][];
  }

  /**
   * Runs levels 1..{@code levels}. With {@code budget} &gt; 0 only states that can lie on a path
   * from step 0 with that many computed steps are visited; with 0, every state is (all budgets).
   * Edges with an error above {@code cap} are treated as absent.
   */
  static LayeredSearch run(ErrorMatrix m, Values values, int levels, int budget, double cap) {
    LayeredSearch s = new LayeredSearch(m, levels);
    s.fill(values, levels, budget, cap);
    return s;
  }

  private void fill(Values values, int levels, int budget, double cap) {
    int last = steps - 1;
    int maxSkip = matrix.maxSkip();
    succ[1] = new int[steps];
    Arrays.fill(succ[1], -1);
    succ[1][last] = last;
    levelsDone = 1;
    values.start(this);
    for (int k = 2; k <= levels; k++) {
      // A state (i, k) needs k-1 edges of length 1..maxSkip to reach the last step and, with a
      // budget, B-k more edges of that kind to come from step 0.
      long lo = Math.max(0, last - (long) (k - 1) * maxSkip);
      long hi = steps - k;
      if (budget > 0) {
        lo = Math.max(lo, budget - k);
        hi = Math.min(hi, (long) (budget - k) * maxSkip);
      }
      int[] below = succ[k - 1];
      int[] mine = new int[steps];
      Arrays.fill(mine, -1);
      succ[k] = mine;
      values.beginLevel(k);
      boolean any = false;
      for (int i = (int) hi; i >= lo; i--) {
        int best = values.choose(i, i + 1, Math.min(last, i + maxSkip), below, cap);
        if (best >= 0) {
          mine[i] = best;
          any = true;
        }
      }
      values.endLevel(k);
      levelsDone = k;
      if (!any) {
        break; // no level above an empty one can have a path either
      }
    }
  }

  /** Next step on the best path of state (i, k); -1 when there is none. Level 1: T-1 itself. */
  int successor(int k, int i) {
    return succ[k][i];
  }

  /** The computed steps of the best path from step 0 through exactly k steps, or null. */
  int[] pathFromStart(int k) {
    if (k < 1 || k > levelsDone || succ[k][0] < 0) {
      return null;
    }
    int[] path = new int[k];
    int x = 0;
    for (int level = k; level >= 2; level--) {
      path[k - level] = x;
      x = succ[level][x];
    }
    path[k - 1] = x;
    return path;
  }

  ErrorMatrix matrix() {
    return matrix;
  }
}
