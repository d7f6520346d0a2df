package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Long paths (T up to 70) against the naive dynamic program: long vectors, many levels, ties. */
class ScheduleSolverLargerTest {

  @ParameterizedTest
  @EnumSource(RandomMatrices.Kind.class)
  void lexMinimaxAndMinSumMatchTheNaiveProgram(RandomMatrices.Kind kind) {
    SplittableRandom rnd = new SplittableRandom(99 + kind.ordinal());
    for (int round = 0; round < 6; round++) {
      int steps = 20 + rnd.nextInt(51);
      int maxSkip = 2 + rnd.nextInt(12);
      ErrorMatrix m = RandomMatrices.random(rnd, steps, maxSkip, kind);
      for (Objective objective : new Objective[] {Objective.LEX_MINIMAX, Objective.MIN_SUM}) {
        int[][] want = NaiveDynamicProgram.allBudgets(m, objective);
        AllBudgets all = ScheduleSolver.solveAllBudgets(m, objective);
        for (int b = 2; b <= steps; b++) {
          String what = kind + " T=" + steps + " L=" + maxSkip + " B=" + b + " " + objective;
          if (want[b] == null) {
            assertTrue(all.forBudget(b).isEmpty(), what);
            continue;
          }
          assertArrayEquals(want[b], all.get(b).schedule().computedSteps(), what);
          if (b % 7 == 0) {
            assertArrayEquals(want[b], ScheduleSolver.solve(m, b, objective).schedule().computedSteps(), what);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = RandomMatrices.Kind.class, names = {"SMALL_INTEGERS", "TWO_VALUES"})
  void stationaryTiesMatchTheNaiveProgram(RandomMatrices.Kind kind) {
    // w(i,j) depends on j-i only: every path with the same skips ties, the hardest case for ties.
    for (int steps : new int[] {30, 61}) {
      int maxSkip = 9;
      ErrorMatrix.Builder b = ErrorMatrix.builder(steps).maxSkip(maxSkip);
      for (int i = 0; i < steps; i++) {
        for (int j = i + 2; j <= Math.min(steps - 1, i + maxSkip); j++) {
          b.error(i, j, kind == RandomMatrices.Kind.TWO_VALUES ? (j - i > 4 ? 2 : 1) : (j - i) / 3);
        }
      }
      ErrorMatrix m = b.build();
      for (Objective objective : new Objective[] {Objective.LEX_MINIMAX, Objective.MIN_SUM}) {
        int[][] want = NaiveDynamicProgram.allBudgets(m, objective);
        AllBudgets all = ScheduleSolver.solveAllBudgets(m, objective);
        for (int budget = 2; budget <= steps; budget++) {
          if (want[budget] != null) {
            assertArrayEquals(want[budget], all.get(budget).schedule().computedSteps(), "B=" + budget + " " + objective);
          }
        }
      }
    }
  }
}
