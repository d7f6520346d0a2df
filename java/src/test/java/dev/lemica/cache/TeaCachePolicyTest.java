package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TeaCachePolicyTest {
  static final double NAN = Double.NaN;

  @Test
  void replayComputesWhenTheAccumulatedChangeReachesTheThreshold() {
    // steps 0..5; first and last always compute; changes accumulate 0.1+0.1 -> 0.2 >= 0.2 at step 2
    double[] changes = {NAN, 0.1, 0.1, 0.1, 0.1, 0.1};
    assertEquals(4.0, TeaCachePolicy.replay(Map.of("cond", changes), 6, 0.2), 1e-12); // 0, 2, 4, 5
    assertEquals(6.0, TeaCachePolicy.replay(Map.of("cond", changes), 6, 0.0), 1e-12);
    assertEquals(2.0, TeaCachePolicy.replay(Map.of("cond", changes), 6, 10.0), 1e-12);
  }

  @Test
  void thresholdForBudgetHitsTheBudgetOnAverageOverBranches() {
    double[] cond = {NAN, 0.3, 0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.02, 0.02};
    double[] uncond = {NAN, 0.25, 0.2, 0.1, 0.06, 0.05, 0.04, 0.04, 0.03, 0.02};
    Map<String, double[]> changes = Map.of("cond", cond, "uncond", uncond);
    for (int budget = 2; budget <= 10; budget++) {
      double t = TeaCachePolicy.thresholdForBudget(changes, 10, budget);
      double got = TeaCachePolicy.replay(changes, 10, t);
      assertTrue(Math.abs(got - budget) <= 1.0, "budget " + budget + " -> threshold " + t + " computes " + got);
    }
  }

  @Test
  void rejectsNegativeThresholds() {
    assertThrows(IllegalArgumentException.class, () -> new TeaCachePolicy(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new TeaCachePolicy(Double.NaN));
  }
}
