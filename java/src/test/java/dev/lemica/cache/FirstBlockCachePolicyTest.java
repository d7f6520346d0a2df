package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackCall;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** First Block Cache's rule worked through by hand on a block stack with known outputs. */
class FirstBlockCachePolicyTest {
  private static final double NAN = Double.NaN;

  /**
   * A stack whose hidden states are all {@code before}; its first block adds {@code first} (its
   * residual), the rest adds {@code rest}. Counts how often the rest runs.
   */
  private static final class FakeStack implements BlockStackCall {
    final Tensor h;
    final double first;
    final double rest;
    int restRuns;

    FakeStack(double before, double first, double rest) {
      this.h = torch.full(new long[] {1, 2, 4}, new Scalar(before));
      this.first = first;
      this.rest = rest;
    }

    @Override
    public Tensor hiddenBefore() {
      return h;
    }

    @Override
    public Tensor runBlocks(BlockObserver observer) {
      return runFirstBlock(observer).runRest(observer);
    }

    @Override
    public AfterFirstBlock runFirstBlock(BlockObserver observer) {
      Tensor head = h.add(new Scalar(first));
      return new AfterFirstBlock() {
        @Override
        public Tensor hidden() {
          return head;
        }

        @Override
        public Tensor runRest(BlockObserver o) {
          restRuns++;
          return head.add(new Scalar(rest));
        }
      };
    }

    @Override
    public Tensor firstBlockModulatedInput() {
      return h;
    }
  }

  // cond: first-block residuals 1.0, 1.1, 1.0, 1.1, 1.2, 1.3, 1.35 at steps 0..6, threshold 0.15.
  // Step 0 computes (r_full = 1.0). Steps 1-3 change by 0.1, 0, 0.1 against step 0: reuse (summed,
  // as TeaCache would, 0.19 at step 2 would have computed). Step 4: 0.2 against step 0 (against step
  // 3 only 0.09): computes, r_full = 1.2. Step 5: 0.1/1.2 = 0.083: reuse. Step 6, the last: computes.
  private static final double[] COND_FIRST = {1.0, 1.1, 1.0, 1.1, 1.2, 1.3, 1.35};
  // uncond: a first block whose residual never changes (change 0 <= threshold 0 reuses, as in
  // diffusers, whose rule computes when diff > threshold): only the first and last steps compute.
  private static final double UNCOND_FIRST = 2.0;

  @Test
  void reusedStepsReturnTheFirstBlocksOutputPlusTheRestsResidualOfTheLastFullStep() {
    try (PointerScope scope = new PointerScope();
        ResidualCache cond = new ResidualCache(new FirstBlockCachePolicy(0.15).start(7));
        ResidualCache uncond = new ResidualCache(new FirstBlockCachePolicy(0).start(7))) {
      List<Integer> computed = new ArrayList<>();
      for (int step = 0; step < 7; step++) {
        // before = step, rest adds 10·(step+1): a full step returns step + first + 10·(step+1).
        FakeStack c = new FakeStack(step, COND_FIRST[step], 10 * (step + 1));
        Tensor out = cond.hook(step, "cond").apply(c);
        if (c.restRuns == 1) {
          computed.add(step);
        }
        double expected = switch (step) {
          case 1 -> 1 + 1.1 + 10; // head output of step 1 + the rest's residual stored at step 0
          case 2 -> 2 + 1.0 + 10;
          case 3 -> 3 + 1.1 + 10;
          case 5 -> 5 + 1.3 + 50; // the rest's residual of step 4
          default -> step + COND_FIRST[step] + 10 * (step + 1);
        };
        assertEquals(expected, Tensors.toDoubles(out)[0], 1e-4, "cond step " + step);

        FakeStack u = new FakeStack(-step, UNCOND_FIRST, -(step + 1));
        double uncondOut = Tensors.toDoubles(uncond.hook(step, "uncond").apply(u))[0];
        assertEquals(step == 0 || step == 6 ? 1 : 0, u.restRuns, "uncond step " + step);
        assertEquals(-step + UNCOND_FIRST + (step == 6 ? -7 : -1), uncondOut, 1e-4, "uncond step " + step);
      }
      assertEquals(List.of(0, 4, 6), computed);
      assertEquals(3, cond.computedCalls());
      assertEquals(4, cond.reusedCalls());
      // What is stored is the rest's residual (after − first block's output), not the whole stack's.
      assertEquals(70.0, Tensors.toDoubles(cond.residuals().get("cond"))[0], 1e-4);
    }
  }

  @Test
  void branchesKeepTheirOwnStateInOneCache() {
    try (PointerScope scope = new PointerScope();
        ResidualCache cache = new ResidualCache(new FirstBlockCachePolicy(0.15).start(7))) {
      List<Integer> cond = new ArrayList<>();
      List<Integer> uncond = new ArrayList<>();
      for (int step = 0; step < 7; step++) {
        FakeStack c = new FakeStack(step, COND_FIRST[step], 1);
        cache.hook(step, "cond").apply(c);
        FakeStack u = new FakeStack(step, UNCOND_FIRST, 1);
        cache.hook(step, "uncond").apply(u);
        if (c.restRuns == 1) {
          cond.add(step);
        }
        if (u.restRuns == 1) {
          uncond.add(step);
        }
      }
      assertEquals(List.of(0, 4, 6), cond);
      assertEquals(List.of(0, 6), uncond);
    }
  }

  @Test
  void aChangeThatIsNotANumberComputes() {
    // An all-zero first-block residual at the last full step: 0/0 at step 1, which computes.
    try (PointerScope scope = new PointerScope();
        ResidualCache cache = new ResidualCache(new FirstBlockCachePolicy(10).start(4))) {
      int[] runs = new int[4];
      double[] first = {0, 0, 1, 1};
      for (int step = 0; step < 4; step++) {
        FakeStack s = new FakeStack(0, first[step], 1);
        cache.hook(step, "cfg").apply(s);
        runs[step] = s.restRuns;
      }
      assertEquals(List.of(1, 1, 1, 1), java.util.Arrays.stream(runs).boxed().toList(), "steps 1 (0/0) and 2 (1/0 = inf > 10) compute");
    }
  }

  /** The recorder runs every step and keeps every pair's change; the replay then decides as the policy did. */
  @Test
  void theRecorderKeepsEveryPairsChangeAndItsReplayMatchesTheRun() {
    FirstBlockCachePolicy.ChangeRecorder recorder = new FirstBlockCachePolicy.ChangeRecorder();
    try (PointerScope scope = new PointerScope();
        ResidualCache cache = new ResidualCache(recorder.start(7))) {
      for (int step = 0; step < 7; step++) {
        FakeStack c = new FakeStack(step, COND_FIRST[step], 1);
        cache.hook(step, "cond").apply(c);
        assertEquals(1, c.restRuns, "the recorder computes every step");
      }
    }
    double[][] c = recorder.changes().get("cond");
    assertEquals(0.1, c[0][1], 1e-6);
    assertEquals(0.0, c[0][2], 1e-6);
    assertEquals(0.2, c[0][4], 1e-6);
    assertEquals(0.1 / 1.1, c[3][4], 1e-6);
    assertEquals(0.1 / 1.2, c[4][5], 1e-6);
    assertTrue(Double.isNaN(c[4][4]) && Double.isNaN(c[5][2]), "only k < s is recorded");
    assertEquals(List.of(0, 4, 6), FirstBlockCachePolicy.computedSteps(c, 7, 0.15));
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), FirstBlockCachePolicy.computedSteps(c, 7, 0.0));
    assertEquals(List.of(0, 6), FirstBlockCachePolicy.computedSteps(c, 7, 1.0));
  }

  @Test
  void replayAndThresholdForBudgetOnHandMadeChanges() {
    // Four steps; cond's changes against step 0: 0.3 (step 1), 0.5 (step 2); against step 1: 0.1
    // (step 2). Step 3, the last, always computes.
    double[][] cond = {
      {NAN, 0.3, 0.5, NAN},
      {NAN, NAN, 0.1, NAN},
      {NAN, NAN, NAN, NAN},
      {NAN, NAN, NAN, NAN},
    };
    // t < 0.1: all four; 0.1 <= t < 0.3: steps 0, 1, 3 (2 is 0.1 from 1); 0.3 <= t < 0.5: 0, 2, 3
    // (step 1 reuses, so step 2 compares with step 0); t >= 0.5: 0, 3.
    assertEquals(List.of(0, 1, 2, 3), FirstBlockCachePolicy.computedSteps(cond, 4, 0.05));
    assertEquals(List.of(0, 1, 3), FirstBlockCachePolicy.computedSteps(cond, 4, 0.2));
    assertEquals(List.of(0, 2, 3), FirstBlockCachePolicy.computedSteps(cond, 4, 0.4));
    assertEquals(List.of(0, 3), FirstBlockCachePolicy.computedSteps(cond, 4, 0.5));
    Map<String, double[][]> one = Map.of("cond", cond);
    // Budget 3 is met on [0.1, 0.5): the smallest interval's middle, (0.1 + 0.3) / 2.
    assertEquals(0.2, FirstBlockCachePolicy.thresholdForBudget(one, 4, 3), 1e-12);
    assertEquals(0.05, FirstBlockCachePolicy.thresholdForBudget(one, 4, 4), 1e-12);
    assertEquals(2.0, FirstBlockCachePolicy.replay(one, 4, FirstBlockCachePolicy.thresholdForBudget(one, 4, 2)), 0);
    // Two branches: uncond never changes (all 0 <= any threshold), so it computes 2 steps whatever
    // the threshold; the mean over branches is 2.5 at 0.2 and 3 at 0.05.
    double[][] uncond = {
      {NAN, 0.0, 0.0, NAN},
      {NAN, NAN, 0.0, NAN},
      {NAN, NAN, NAN, NAN},
      {NAN, NAN, NAN, NAN},
    };
    Map<String, double[][]> two = Map.of("cond", cond, "uncond", uncond);
    assertEquals(2.5, FirstBlockCachePolicy.replay(two, 4, 0.2), 0);
    assertEquals(3.0, FirstBlockCachePolicy.replay(two, 4, 0.05), 0);
    assertEquals(0.05, FirstBlockCachePolicy.thresholdForBudget(two, 4, 3), 1e-12);
  }

  @Test
  void rejectsBadThresholds() {
    assertThrows(IllegalArgumentException.class, () -> new FirstBlockCachePolicy(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new FirstBlockCachePolicy(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new FirstBlockCachePolicy(Double.POSITIVE_INFINITY));
    assertEquals("fbcache 0.1500", new FirstBlockCachePolicy(0.15).describe());
  }
}
