package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The solver against exhaustive enumeration, every budget, every objective, T <= 12. */
class ScheduleSolverPropertyTest {

  @ParameterizedTest
  @EnumSource(RandomMatrices.Kind.class)
  void matchesExhaustiveSearchForEveryBudgetAndObjective(RandomMatrices.Kind kind) {
    SplittableRandom rnd = new SplittableRandom(20261125L + kind.ordinal());
    int cases = 0;
    for (int round = 0; round < 150; round++) {
      int steps = 2 + rnd.nextInt(11); // 2..12
      int maxSkip = 1 + rnd.nextInt(steps - 1);
      ErrorMatrix m = RandomMatrices.random(rnd, steps, maxSkip, kind);
      for (Objective objective : Objective.values()) {
        int[][] expected = BruteForce.allBudgets(m, objective);
        AllBudgets all = ScheduleSolver.solveAllBudgets(m, objective);
        for (int b = 0; b <= steps + 1; b++) {
          String what = kind + " T=" + steps + " L=" + maxSkip + " B=" + b + " " + objective + " round " + round;
          int[] want = b < expected.length && b >= 2 ? expected[b] : null;
          if (want == null) {
            int budget = b;
            assertThrows(IllegalArgumentException.class, () -> ScheduleSolver.solve(m, budget, objective), what);
            assertTrue(all.forBudget(b).isEmpty(), what);
            continue;
          }
          SolvedSchedule one = ScheduleSolver.solve(m, b, objective);
          assertArrayEquals(want, one.schedule().computedSteps(), what + " got " + one.schedule());
          assertArrayEquals(want, all.get(b).schedule().computedSteps(), what + " (all budgets)");
          assertEquals(b, one.schedule().budget());
          cases++;
        }
      }
    }
    assertTrue(cases > 1000, "too few feasible cases: " + cases);
  }

  @ParameterizedTest
  @EnumSource(RandomMatrices.Kind.class)
  void sortedErrorsOfTheAnswerAreOptimal(RandomMatrices.Kind kind) {
    SplittableRandom rnd = new SplittableRandom(7 + kind.ordinal());
    for (int round = 0; round < 40; round++) {
      int steps = 3 + rnd.nextInt(10);
      ErrorMatrix m = RandomMatrices.random(rnd, steps, 1 + rnd.nextInt(steps - 1), kind);
      int[][] expected = BruteForce.allBudgets(m, Objective.LEX_MINIMAX);
      for (int b = 2; b <= steps; b++) {
        if (expected[b] != null) {
          double[] want = BruteForce.errors(m, expected[b]);
          double[] got = ScheduleSolver.solve(m, b, Objective.LEX_MINIMAX).sortedErrors();
          Arrays.sort(want);
          for (int k = 0; k < got.length; k++) {
            assertEquals(want[want.length - 1 - k], got[k]);
          }
        }
      }
    }
  }
}
