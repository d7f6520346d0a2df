package dev.lemica.solver;

import dev.lemica.schedule.Schedule;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Optimal caching schedules on an error matrix. A schedule with budget B is a path 0 -&gt; T-1
 * through exactly B computed steps; its cost is given by the errors of its B-1 edges and the chosen
 * {@link Objective}. Every answer is exact (no heuristics, no epsilons), and among equally good paths
 * the one whose computed steps are lexicographically smallest is returned (see {@link
 * LayeredSearch}).
 */
public final class ScheduleSolver {
  private static final double NO_CAP = Double.POSITIVE_INFINITY;

  private ScheduleSolver() {}

  /**
   * The optimal schedule with exactly {@code budget} computed steps.
   *
   * @throws IllegalArgumentException naming the matrix's file when the budget is outside 2..T or no
   *     path with that budget exists within the max skip and the measured edges
   */
  public static SolvedSchedule solve(ErrorMatrix m, int budget, Objective objective) {
    checkBudget(m, budget);
    int[] path =
        switch (objective) {
          case LEX_MINIMAX -> LayeredSearch.run(m, new LexMinimaxValues(m, budget), budget, budget, NO_CAP)
              .pathFromStart(budget);
          case MIN_SUM -> LayeredSearch.run(m, new MinSumValues(m), budget, budget, NO_CAP).pathFromStart(budget);
          case MINIMAX_SUM -> minimaxThenSum(m, budget);
        };
    if (path == null) {
      throw infeasible(m, budget);
    }
    return SolvedSchedule.evaluate(m, Schedule.of(m.steps(), path), objective.cliName());
  }

  /**
   * Min-max then min-sum cannot keep one (max, sum) pair per state: a suffix with a smaller max
   * but a larger sum can lose once a larger edge is prepended. So it runs in two exact stages: the
   * smallest achievable worst edge M for the budget, then the smallest sum among paths whose edges
   * are all &lt;= M (each of them has worst edge exactly M).
   */
  private static int[] minimaxThenSum(ErrorMatrix m, int budget) {
    int[] bottleneck =
        LayeredSearch.run(m, new MinimaxValues(m), budget, budget, NO_CAP).pathFromStart(budget);
    if (bottleneck == null) {
      return null;
    }
    double cap = worst(m, bottleneck);
    return LayeredSearch.run(m, new MinSumValues(m), budget, budget, cap).pathFromStart(budget);
  }

  /**
   * The optimal schedule for every budget 2..T in one call. Lex-minimax and min-sum read every
   * budget off one run (the states (0, B) of the dynamic program); minimax-sum needs one min-sum
   * run per distinct optimal worst edge.
   */
  public static AllBudgets solveAllBudgets(ErrorMatrix m, Objective objective) {
    int steps = m.steps();
    SolvedSchedule[] out = new SolvedSchedule[steps + 1];
    switch (objective) {
      case LEX_MINIMAX -> collect(m, objective, LayeredSearch.run(m, new LexMinimaxValues(m, steps), steps, 0, NO_CAP), out, null);
      case MIN_SUM -> collect(m, objective, LayeredSearch.run(m, new MinSumValues(m), steps, 0, NO_CAP), out, null);
      case MINIMAX_SUM -> {
        LayeredSearch bottleneck = LayeredSearch.run(m, new MinimaxValues(m), steps, 0, NO_CAP);
        Map<Double, List<Integer>> byCap = new TreeMap<>();
        for (int b = 2; b <= steps; b++) {
          int[] path = bottleneck.pathFromStart(b);
          if (path != null) {
            byCap.computeIfAbsent(worst(m, path), c -> new ArrayList<>()).add(b);
          }
        }
        for (Map.Entry<Double, List<Integer>> e : byCap.entrySet()) {
          List<Integer> budgets = e.getValue();
          int top = budgets.get(budgets.size() - 1);
          LayeredSearch s = LayeredSearch.run(m, new MinSumValues(m), top, 0, e.getKey());
          collect(m, objective, s, out, budgets);
        }
      }
    }
    return new AllBudgets(m, objective, out);
  }

  private static void collect(
      ErrorMatrix m, Objective objective, LayeredSearch s, SolvedSchedule[] out, List<Integer> only) {
    for (int b = 2; b < out.length; b++) {
      if (only != null && !only.contains(b)) {
        continue;
      }
      int[] path = s.pathFromStart(b);
      if (path != null) {
        out[b] = SolvedSchedule.evaluate(m, Schedule.of(m.steps(), path), objective.cliName());
      }
    }
  }

  /**
   * The evenly spaced schedule of {@link Schedule#uniform}, with its errors on this matrix; throws
   * when it needs an edge the matrix does not have (longer than max skip, or unmeasured).
   */
  public static SolvedSchedule uniform(ErrorMatrix m, int budget) {
    checkBudget(m, budget);
    return SolvedSchedule.evaluate(m, Schedule.uniform(m.steps(), budget), "uniform");
  }

  private static double worst(ErrorMatrix m, int[] path) {
    double w = 0;
    for (int k = 0; k + 1 < path.length; k++) {
      w = Math.max(w, m.rawError(path[k], path[k + 1]));
    }
    return w;
  }

  private static void checkBudget(ErrorMatrix m, int budget) {
    if (budget < 2 || budget > m.steps()) {
      throw infeasible(m, budget);
    }
  }

  /** Why no schedule with {@code budget} exists, in one line naming the matrix's file. */
  static IllegalArgumentException infeasible(ErrorMatrix m, int budget) {
    int steps = m.steps();
    String src = m.source() + ": ";
    if (budget < 2) {
      return new IllegalArgumentException(src + "budget " + budget
          + " is too small: a schedule computes at least the first and the last step (budget >= 2)");
    }
    if (budget > steps) {
      return new IllegalArgumentException(src + "budget " + budget + " exceeds the " + steps + " steps");
    }
    int least = (steps - 2) / m.maxSkip() + 2; // ceil((T-1)/L) + 1
    if (budget < least) {
      return new IllegalArgumentException(src + "no schedule with budget " + budget + ": with max skip "
          + m.maxSkip() + ", covering " + steps + " steps needs at least " + least + " computed steps");
    }
    return new IllegalArgumentException(src + "no schedule with budget " + budget
        + " uses only measured edges (null entries) within max skip " + m.maxSkip()
        + "; feasible budgets: " + ranges(m.feasibleBudgets()));
  }

  private static String ranges(BitSet bits) {
    StringBuilder sb = new StringBuilder();
    for (int a = bits.nextSetBit(0); a >= 0; ) {
      int b = bits.nextClearBit(a) - 1;
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(a == b ? Integer.toString(a) : a + "-" + b);
      a = bits.nextSetBit(b + 1);
    }
    return sb.length() == 0 ? "none" : sb.toString();
  }
}
