package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** MagCache's skip rule on ratios worked through by hand. */
class MagCachePolicyTest {
  private static final double NAN = Double.NaN;

  @Test
  void accumulatesTheRatioErrorUntilTheThresholdOrTheSkipLimit() {
    // retained 1: step 0 computes. Step 1: product 0.9, error 0.1 < 0.25: reuse. Step 2: product 0.81,
    // error 0.1 + 0.19 = 0.29: compute, reset. Step 3: 0.95 -> error 0.05: reuse. Step 4: 0.9025 ->
    // 0.05 + 0.0975 = 0.1475: reuse. Step 5: 0.857375 -> 0.29: compute.
    double[] r = {NAN, 0.9, 0.9, 0.95, 0.95, 0.95};
    assertArrayEquals(new boolean[] {true, false, true, false, false, true}, MagCachePolicy.decisions(r, 6, 0.25, 4, 1));
    // At most one skip in a row: step 4 computes (second skip), step 5 then reuses.
    assertArrayEquals(new boolean[] {true, false, true, false, true, false}, MagCachePolicy.decisions(r, 6, 0.25, 1, 1));
    // Two retained steps always compute; then 0.9 -> 0.1, 0.855 -> 0.245 < 0.25 reuse twice, step 4
    // (0.81225 -> 0.43275) computes, step 5 reuses. Threshold 0 computes everything.
    assertArrayEquals(new boolean[] {true, true, false, false, true, false}, MagCachePolicy.decisions(r, 6, 0.25, 4, 2));
    assertEquals(6.0, MagCachePolicy.replay(Map.of("cond", r), 6, 0.0, 4, 1), 0);
    assertEquals(3.0, MagCachePolicy.replay(Map.of("cond", r), 6, 0.25, 4, 1), 0);
  }

  @Test
  void forBudgetLandsOnTheBudget() {
    double[] cond = new double[20];
    double[] uncond = new double[20];
    for (int s = 1; s < 20; s++) {
      cond[s] = 1 - 0.01 * s;
      uncond[s] = 1 - 0.012 * s;
    }
    Map<String, double[]> ratios = Map.of("cond", cond, "uncond", uncond);
    for (int budget : new int[] {5, 8, 12, 16}) {
      MagCachePolicy p = MagCachePolicy.forBudget(ratios, 20, budget);
      assertEquals(4, p.retained(), "a fifth of the steps");
      double got = MagCachePolicy.replay(ratios, 20, p.threshold(), p.maxSkips(), p.retained());
      assertTrue(Math.abs(got - budget) <= 1.0, "budget " + budget + ": " + p.describe() + " computes " + got);
    }
  }

  @Test
  void refusesBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> new MagCachePolicy(Map.of(), -1, 2, 1));
    assertThrows(IllegalArgumentException.class, () -> new MagCachePolicy(Map.of(), 0.1, 2, 0));
  }
}
