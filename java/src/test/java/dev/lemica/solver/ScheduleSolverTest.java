package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.schedule.Schedule;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ScheduleSolverTest {

  private static void failsWith(Runnable r, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
    }
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void budgetOutOfRangeIsAClearError() {
    ErrorMatrix m = RandomMatrices.earlyHeavy(10, 4, 1).withMaxSkip(4);
    for (Objective o : Objective.values()) {
      failsWith(() -> ScheduleSolver.solve(m, 1, o), "early-heavy: budget 1 is too small", "budget >= 2");
      failsWith(() -> ScheduleSolver.solve(m, 0, o), "budget 0 is too small");
      failsWith(() -> ScheduleSolver.solve(m, 11, o), "early-heavy: budget 11 exceeds the 10 steps");
      failsWith(() -> ScheduleSolver.uniform(m, 11), "budget 11 exceeds");
    }
  }

  @Test
  void budgetBelowWhatMaxSkipAllowsIsAClearError() {
    ErrorMatrix m = RandomMatrices.earlyHeavy(10, 9, 1).withMaxSkip(3);
    // 9 steps to cover with jumps of at most 3: at least 3 edges, so 4 computed steps.
    for (Objective o : Objective.values()) {
      failsWith(() -> ScheduleSolver.solve(m, 3, o), "no schedule with budget 3", "max skip 3", "at least 4");
      assertEquals(4, ScheduleSolver.solve(m, 4, o).schedule().budget());
    }
  }

  @Test
  void unmeasuredEdgesThatCutEveryPathAreAClearError() {
    // Step 2 can only be left by its adjacent edge and step 3 only entered from 2 or 1.
    ErrorMatrix m = ErrorMatrix.builder(5).source("holes.json").maxSkip(2).error(0, 2, 1).error(2, 4, 1).build();
    // Paths: 0-1-2-3-4 (5 steps), 0-2-3-4, 0-1-2-4, 0-2-4 (3 steps), and 1-3 is unmeasured.
    for (Objective o : Objective.values()) {
      assertArrayEquals(new int[] {0, 2, 4}, ScheduleSolver.solve(m, 3, o).schedule().computedSteps());
      assertArrayEquals(new int[] {0, 1, 2, 4}, ScheduleSolver.solve(m, 4, o).schedule().computedSteps(), o.toString());
    }
    ErrorMatrix cut = ErrorMatrix.builder(5).source("cut.json").maxSkip(2).error(0, 2, 1).build();
    failsWith(() -> ScheduleSolver.solve(cut, 3, Objective.LEX_MINIMAX),
        "cut.json: no schedule with budget 3 uses only measured edges", "feasible budgets: 4-5");
  }

  @Test
  void allBudgetsReportsInfeasibleBudgetsAsMissing() {
    ErrorMatrix m = RandomMatrices.earlyHeavy(12, 3, 2);
    AllBudgets all = ScheduleSolver.solveAllBudgets(m, Objective.LEX_MINIMAX);
    assertEquals(12, all.steps());
    assertTrue(all.forBudget(4).isEmpty());
    assertFalse(all.forBudget(5).isEmpty());
    assertArrayEquals(new int[] {5, 6, 7, 8, 9, 10, 11, 12}, all.feasibleBudgets());
    failsWith(() -> all.get(4), "no schedule with budget 4");
    assertEquals(all.schedules().size(), 8);
  }

  @Test
  void fullBudgetComputesEveryStepWithZeroError() {
    ErrorMatrix m = RandomMatrices.earlyHeavy(15, 5, 3);
    for (Objective o : Objective.values()) {
      SolvedSchedule s = ScheduleSolver.solve(m, 15, o);
      assertEquals(Schedule.full(15), s.schedule());
      assertEquals(0.0, s.worstError());
    }
  }

  @Test
  void worstEdgeSortedErrorsAndTotalDescribeThePath() {
    ErrorMatrix m = ErrorMatrix.builder(5).error(0, 2, 0.5).error(2, 4, 0.25).error(0, 3, 0.75).error(1, 4, 0.1).build();
    SolvedSchedule s = SolvedSchedule.evaluate(m, Schedule.of(5, 0, 2, 4), "manual");
    assertArrayEquals(new double[] {0.5, 0.25}, s.pathErrors());
    assertArrayEquals(new double[] {0.5, 0.25}, s.sortedErrors());
    assertArrayEquals(new int[] {0, 2}, s.worstEdge());
    assertEquals(0.75, s.totalError());
    // lex-minimax: {0.5, 0.25} vs 0-1-4 {0.1, 0} vs 0-3-4 {0.75, 0}: 0-1-4 has the smallest worst edge.
    assertArrayEquals(new int[] {0, 1, 4}, ScheduleSolver.solve(m, 3, Objective.LEX_MINIMAX).schedule().computedSteps());
  }

  @Test
  void theThreeObjectivesChooseDifferentPaths() {
    ErrorMatrix m = ErrorMatrix.builder(8).maxSkip(3)
        .error(0, 2, 3).error(0, 3, 4).error(1, 3, 5).error(1, 4, 5).error(2, 4, 4).error(2, 5, 4)
        .error(3, 5, 2).error(3, 6, 5).error(4, 6, 3).error(4, 7, 3).error(5, 7, 2)
        .build();
    SolvedSchedule lex = ScheduleSolver.solve(m, 5, Objective.LEX_MINIMAX);
    SolvedSchedule mms = ScheduleSolver.solve(m, 5, Objective.MINIMAX_SUM);
    SolvedSchedule sum = ScheduleSolver.solve(m, 5, Objective.MIN_SUM);
    // lex-minimax: {3, 2, 2, 0}, total 7: the second worst edge is as small as possible.
    assertArrayEquals(new int[] {0, 2, 3, 5, 7}, lex.schedule().computedSteps());
    assertArrayEquals(new double[] {3, 2, 2, 0}, lex.sortedErrors());
    // minimax-sum: same worst edge 3, smaller total 6, but a worse second edge.
    assertArrayEquals(new int[] {0, 2, 3, 4, 7}, mms.schedule().computedSteps());
    assertArrayEquals(new double[] {3, 3, 0, 0}, mms.sortedErrors());
    // min-sum: total 6 too (ties with minimax-sum's path; the earlier steps win), worst edge 4.
    assertArrayEquals(new int[] {0, 1, 2, 5, 7}, sum.schedule().computedSteps());
    assertEquals(6.0, sum.totalError());
    assertEquals(4.0, sum.worstError());
  }

  @Test
  void tiesGoToTheLexicographicallySmallestSteps() {
    // Every 2-skip costs 1. With budget 4, the paths 0-1-2-4, 0-1-3-4 and 0-2-3-4 all cost
    // {1, 0, 0} under every objective: the earliest wins. With budget 3, 0-2-4 is the only path.
    ErrorMatrix.Builder b = ErrorMatrix.builder(5).maxSkip(2);
    for (int i = 0; i + 2 < 5; i++) {
      b.error(i, i + 2, 1.0);
    }
    ErrorMatrix m = b.build();
    for (Objective o : Objective.values()) {
      assertArrayEquals(new int[] {0, 1, 2, 4}, ScheduleSolver.solve(m, 4, o).schedule().computedSteps(), o.toString());
      assertArrayEquals(new int[] {0, 2, 4}, ScheduleSolver.solve(m, 3, o).schedule().computedSteps());
    }
  }

  @Test
  void minSumComparesExactSumsNotRoundedOnes() {
    // As doubles, 0.1 + 0.2 = 0.30000000000000001665... exactly, which rounds to nextUp(0.3) =
    // 0.30000000000000004440...: a rounded sum would tie 0-2-4 with 0-1-4 and the tie rule would
    // pick 0-1-4; the exact sum is smaller, so 0-2-4 wins.
    double justAbove = Math.nextUp(0.3);
    assertEquals(justAbove, 0.1 + 0.2);
    ErrorMatrix m = ErrorMatrix.builder(5).maxSkip(3).error(0, 2, 0.1).error(2, 4, 0.2).error(1, 4, justAbove).build();
    assertArrayEquals(new int[] {0, 2, 4}, ScheduleSolver.solve(m, 3, Objective.MIN_SUM).schedule().computedSteps());
    assertArrayEquals(new int[] {0, 2, 4}, ScheduleSolver.solve(m, 3, Objective.MINIMAX_SUM).schedule().computedSteps());
    ErrorMatrix n = ErrorMatrix.builder(5).maxSkip(3).error(0, 2, 0.1).error(2, 4, 0.2).error(1, 4, 0.3).build();
    assertArrayEquals(new int[] {0, 1, 4}, ScheduleSolver.solve(n, 3, Objective.MIN_SUM).schedule().computedSteps());
  }

  @Test
  void minSumStaysExactWhenMagnitudesSpreadBeyondADoubleDouble() {
    // 1e200 + 1e-200 + ... cannot be held by hi + lo; the solver must fall back to exact expansions.
    double big = 1e200;
    double tiny = 1e-200;
    ErrorMatrix m = ErrorMatrix.builder(7).maxSkip(2)
        .error(0, 2, big).error(2, 4, 1.0).error(4, 6, tiny)      // 0-2-4-6: big + 1 + tiny
        .error(1, 3, big).error(3, 5, 1.0).error(5, 6, 0.0)       // 0-1-3-5-6: big + 1 (5 steps)
        .build();
    AllBudgets all = ScheduleSolver.solveAllBudgets(m, Objective.MIN_SUM);
    int[][] want = BruteForce.allBudgets(m, Objective.MIN_SUM);
    for (int b = 2; b <= 7; b++) {
      if (want[b] != null) {
        assertArrayEquals(want[b], all.get(b).schedule().computedSteps(), "B=" + b);
      }
    }
  }

  @Test
  void uniformScheduleIsExposedWithItsErrors() {
    ErrorMatrix m = RandomMatrices.earlyHeavy(50, 12, 4);
    SolvedSchedule u = ScheduleSolver.uniform(m, 10);
    assertEquals(Schedule.uniform(50, 10), u.schedule());
    assertEquals("uniform", u.method());
    assertEquals(9, u.pathErrors().length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScheduleSolver.uniform(m.withMaxSkip(3), 10));
    assertTrue(e.getMessage().contains("more than max skip 3"), e.getMessage());
  }

  @Test
  void feasibleBudgetsMatchesTheSolver() {
    ErrorMatrix m = ErrorMatrix.builder(6).maxSkip(3).error(0, 3, 1).error(3, 5, 1).error(1, 4, 1).build();
    var bits = m.feasibleBudgets();
    AllBudgets all = ScheduleSolver.solveAllBudgets(m, Objective.MIN_SUM);
    for (int b = 0; b <= 7; b++) {
      assertEquals(bits.get(b), all.forBudget(b).isPresent(), "B=" + b + " " + Arrays.toString(all.feasibleBudgets()));
    }
  }
}
