package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Memory must not grow as T * B * B: at T=600, B=300 one int per (state, vector entry) would be
 * 600 * 300 * 300 * 4 bytes = 216 MB; the solver keeps two levels of vectors and one successor per
 * state, a few MB.
 */
class SolverMemoryTest {

  @Test
  void lexMinimaxAllocatesFarLessThanTimesBudgetSquared() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ErrorMatrix m = RandomMatrices.earlyHeavy(600, 60, 5);
    long before = threads.getCurrentThreadAllocatedBytes();
    SolvedSchedule s = ScheduleSolver.solve(m, 300, Objective.LEX_MINIMAX);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertEquals(300, s.schedule().budget());
    assertTrue(allocated < 24L << 20, "allocated " + (allocated >> 20) + " MB");
  }
}
