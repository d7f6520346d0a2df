package dev.lemica.cache;

import static dev.lemica.testing.ConstantBlockStack.call;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lemica.schedule.Schedule;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Reused residuals scaled by calibrated magnitudes, on hand-computed numbers. */
class ReuseRuleTest {
  @Test
  void aReusedResidualIsScaledByTheMagnitudeRatioOfItsTwoSteps() {
    try (PointerScope scope = new PointerScope()) {
      ReuseRule rule = ReuseRule.magnitudeRatio(new double[] {1, 2, 4, 8});
      assertEquals(4.0, rule.scale(0, 2), 0);
      CachePolicy policy = new StaticSchedulePolicy(Schedule.of(4, new int[] {0, 3})).withReuse(rule);
      try (ResidualCache cache = new ResidualCache(policy.start(4))) {
        // step 0 computes: residual 3 everywhere.
        assertEquals(3.0, cache.hook(0, "cond").apply(call(0, 3)).mean().item_double(), 1e-6);
        // steps 1 and 2 reuse it: 10 + (2/1)*3 and 10 + (4/1)*3; plain reuse would give 13.
        assertEquals(16.0, cache.hook(1, "cond").apply(call(10, 99)).mean().item_double(), 1e-6);
        assertEquals(22.0, cache.hook(2, "cond").apply(call(10, 99)).mean().item_double(), 1e-6);
        // step 3 computes its own.
        assertEquals(15.0, cache.hook(3, "cond").apply(call(10, 5)).mean().item_double(), 1e-6);
        assertEquals(2, cache.reusedCalls());
      }
      try (ResidualCache plain = new ResidualCache(new StaticSchedulePolicy(Schedule.of(4, new int[] {0, 3})).start(4))) {
        plain.hook(0, "cond").apply(call(0, 3));
        assertEquals(13.0, plain.hook(2, "cond").apply(call(10, 99)).mean().item_double(), 1e-6);
      }
    }
  }

  @Test
  void magnitudeIsTheMeanPerTokenNorm() {
    try (PointerScope scope = new PointerScope()) {
      Tensor r = torch.zeros(1, 2, 4);
      r.select(1, 0).select(1, 0).fill_(new Scalar(3.0));
      r.select(1, 0).select(1, 1).fill_(new Scalar(4.0));
      r.select(1, 1).select(1, 3).fill_(new Scalar(1.0));
      assertEquals(3.0, ResidualMagnitude.mean(r), 1e-6, "norms 5 and 1");
    }
  }

  @Test
  void readsWritesAndRetargets() throws Exception {
    ObjectMapper m = new ObjectMapper();
    ReuseRule rule = ReuseRule.magnitudeRatio(new double[] {1, 2, 4});
    assertEquals(rule, ReuseRule.fromJson(m.readTree(rule.toJson().toString()), 3));
    assertEquals(ReuseRule.PLAIN, ReuseRule.fromJson(m.readTree("{\"rule\": \"plain\"}"), 3));
    assertArrayEquals(new double[] {1, 2, 2, 4, 4}, ((ReuseRule.MagnitudeRatio) rule.retarget(5)).magnitudes());
    String[][] bad = {
      {"[1]", "must be an object with a \"rule\""},
      {"{\"rule\": \"magic\"}", "unknown reuse rule \"magic\""},
      {"{\"rule\": \"magnitude-ratio\", \"magnitudes\": [1, 2]}", "one number per step (3)"},
      {"{\"rule\": \"magnitude-ratio\", \"magnitudes\": [1, \"x\", 2]}", "reuse.magnitudes[1] must be a number"},
      {"{\"rule\": \"magnitude-ratio\", \"magnitudes\": [1, 0, 2]}", "reuse.magnitudes[1] must be a finite positive number"},
      {"{\"rule\": \"plain\", \"magnitudes\": [1, 2, 3]}", "unknown key \"magnitudes\""},
    };
    for (String[] b : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReuseRule.fromJson(m.readTree(b[0]), 3), b[0]);
      assertTrue(e.getMessage().contains(b[1]), e.getMessage());
    }
  }
}
