package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.schedule.Schedule;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LeMiCa reports that reuse errors are largest at the early, noisy steps, and its published
 * schedules compute densely there and skip more towards the end. On a matrix of that shape the
 * solver must reproduce that form.
 */
class FrontLoadingTest {
  private static final int STEPS = 50;

  private static int computedBefore(Schedule s, int step) {
    return (int) Arrays.stream(s.computedSteps()).filter(c -> c < step).count();
  }

  private static double meanGap(int[] c, int from, int to) {
    double sum = 0;
    int n = 0;
    for (int k = 0; k + 1 < c.length; k++) {
      if (c[k] >= from && c[k + 1] <= to) {
        sum += c[k + 1] - c[k];
        n++;
      }
    }
    return n == 0 ? Double.POSITIVE_INFINITY : sum / n;
  }

  @ParameterizedTest
  @ValueSource(ints = {8, 10, 15, 20, 25, 30})
  void errorsGrowingTowardsEarlyStepsGiveFrontLoadedSchedules(int budget) {
    ErrorMatrix m = RandomMatrices.earlyHeavy(STEPS, 12, 42);
    for (Objective o : Objective.values()) {
      Schedule s = ScheduleSolver.solve(m, budget, o).schedule();
      Schedule u = Schedule.uniform(STEPS, budget);
      String what = o + " " + s + " vs uniform " + u;
      assertTrue(computedBefore(s, STEPS / 2) > computedBefore(s, STEPS) - computedBefore(s, STEPS / 2), what);
      assertTrue(computedBefore(s, STEPS / 4) > computedBefore(u, STEPS / 4), what);
      int[] c = s.computedSteps();
      assertTrue(meanGap(c, 0, STEPS / 2) < meanGap(c, STEPS / 2, STEPS - 1), what);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {8, 10, 15, 20})
  void lexMinimaxBeatsUniformOnItsOwnObjective(int budget) {
    ErrorMatrix m = RandomMatrices.earlyHeavy(STEPS, STEPS - 1, 42);
    double[] solved = ScheduleSolver.solve(m, budget, Objective.LEX_MINIMAX).sortedErrors();
    double[] uniform = ScheduleSolver.uniform(m, budget).sortedErrors();
    assertTrue(BruteForce.compareSortedDecreasing(solved, uniform) < 0,
        Arrays.toString(solved) + " vs uniform " + Arrays.toString(uniform));
    assertTrue(solved[0] < uniform[0], "the worst edge improves on uniform");
  }
}
