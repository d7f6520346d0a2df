package dev.lemica.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A FirstBlockCache-style online policy (ParaAttention's First Block Cache, as diffusers'
 * {@code hooks/first_block_cache.py} applies it): the stack's first block runs at every step, and
 * per CFG branch its residual {@code r = afterFirst − before} is compared with the one stored at the
 * last step that ran the whole stack, by the relative mean absolute difference
 * {@code mean|r − r_full| / mean|r_full|}. Above the threshold the remaining blocks run, and their
 * residual ({@code after − afterFirst}) and {@code r} are stored; otherwise the step returns the
 * first block's output plus the stored residual of the remaining blocks. As in diffusers,
 * {@code r_full} changes only at steps that run the whole stack, so the comparison is always with
 * the last of them and changes do not accumulate (unlike TeaCache's).
 *
 * <p>Where this differs from diffusers: the last step always computes, as the first does (diffusers
 * decides at the last step like any other), as the TeaCache-style policy here does; a change that is
 * not a number (an all-zero {@code r_full}) computes, where diffusers' {@code diff > threshold}
 * would skip; the state is per CFG branch, which diffusers' Wan pipeline gets from its
 * {@code cache_context("cond")}/{@code ("uncond")} but its batched-CFG pipelines (Latte, CogVideoX)
 * do not; the remaining blocks' residual is the head stream's only (the text stream of FLUX.1,
 * Qwen-Image and CogVideoX is not read after the stack), and it is taken in the seam's layout, so
 * Latte's (whose last block is temporal, laid out per patch) is well defined. Deciding needs the
 * change as a number: one host synchronisation per step.
 */
public final class FirstBlockCachePolicy implements CachePolicy {
  private final double threshold;

  public FirstBlockCachePolicy(double threshold) {
    if (!(threshold >= 0) || Double.isInfinite(threshold)) {
      throw new IllegalArgumentException("FirstBlockCache threshold must be a finite non-negative number, got " + threshold);
    }
    this.threshold = threshold;
  }

  public double threshold() {
    return threshold;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "fbcache %.4g", threshold);
  }

  @Override
  public boolean decidesPerBranch() {
    return true;
  }

  @Override
  public boolean readsTokens() {
    return true;
  }

  @Override
  public ComputeDecider start(int steps) {
    return new FirstBlockDecider() {
      private final Map<String, Branch> branches = new ConcurrentHashMap<>();

      @Override
      public boolean shouldComputeRest(int step, String context, boolean hasResidual, Tensor before, Tensor afterFirst) {
        Branch b = branches.computeIfAbsent(context, c -> new Branch());
        Tensor r = b.hold(afterFirst.sub(before));
        if (!hasResidual || b.full == null || step == 0 || step == steps - 1) {
          return true;
        }
        // diffusers computes when diff > threshold; a NaN change computes here.
        return !(TeaCachePolicy.relativeL1(r, b.full) <= threshold);
      }

      @Override
      public void residualStored(int step, String context, Tensor residual) {
        branches.get(context).ranWholeStack();
      }

      @Override
      public void close() {
        branches.values().forEach(Branch::release);
      }
    };
  }

  /** One branch's first-block residuals: the last whole-stack step's, and the current call's. */
  private static final class Branch {
    Tensor full;
    private Tensor current;

    /** Keeps the current call's residual (retained past the step's scope) until the next call. */
    Tensor hold(Tensor r) {
      r.retainReference();
      if (current != null && current != full) {
        current.releaseReference();
      }
      current = r;
      return r;
    }

    /** The current call ran the remaining blocks: its residual is the one to compare with from now on. */
    void ranWholeStack() {
      if (full != null && full != current) {
        full.releaseReference();
      }
      full = current;
    }

    void release() {
      if (full != null) {
        full.releaseReference();
      }
      if (current != null && current != full) {
        current.releaseReference();
      }
      full = null;
      current = null;
    }
  }

  /**
   * Computed steps, mean over branches, when the rule runs on a full run's recorded changes:
   * {@code changes[k][s]} is the relative change of step s's first-block residual against step k's
   * (k &lt; s; NaN where unknown, which computes).
   */
  static double replay(Map<String, double[][]> changes, int steps, double threshold) {
    double total = 0;
    for (double[][] c : changes.values()) {
      total += computedSteps(c, steps, threshold).size();
    }
    return total / changes.size();
  }

  /** The steps that compute under the rule on one branch's recorded changes. */
  static List<Integer> computedSteps(double[][] changes, int steps, double threshold) {
    List<Integer> computed = new ArrayList<>();
    int last = -1;
    for (int s = 0; s < steps; s++) {
      if (last < 0 || s == steps - 1 || !(changes[last][s] <= threshold)) {
        computed.add(s);
        last = s;
      }
    }
    return computed;
  }

  /**
   * The threshold whose decisions, replayed on the changes recorded along a full run, compute closest
   * to {@code budget} steps on average over the branches; ties go to the smaller threshold (more
   * compute). The replay is exact for the full run's trajectory, since it has every pair's change;
   * the real run may differ, since caching changes the inputs it measures. The computed count changes
   * only where the threshold crosses a recorded change, so each interval between two of them is
   * tried once, at its middle (a threshold on a recorded value would hang on its last bit).
   */
  public static double thresholdForBudget(Map<String, double[][]> changes, int steps, int budget) {
    TreeSet<Double> values = new TreeSet<>(List.of(0.0));
    for (double[][] c : changes.values()) {
      for (double[] row : c) {
        for (double v : row) {
          if (Double.isFinite(v) && v >= 0) {
            values.add(v);
          }
        }
      }
    }
    Double[] sorted = values.toArray(new Double[0]);
    double best = 0;
    double bestMiss = Double.POSITIVE_INFINITY;
    for (int i = 0; i < sorted.length; i++) {
      double t = i + 1 < sorted.length ? (sorted[i] + sorted[i + 1]) / 2 : sorted[i] * 2 + 1e-6;
      double miss = Math.abs(replay(changes, steps, t) - budget);
      if (miss < bestMiss) {
        bestMiss = miss;
        best = t;
      }
    }
    return best;
  }

  /**
   * A full-compute policy that records, per branch, the change First Block Cache would measure
   * between every two steps of the run. It keeps every step's first-block residual until the run
   * ends: steps × branches tensors the size of the hidden states (kilobytes for the embedded model;
   * for Wan2.1 at 480p × 81 frames with CFG, 50 steps, about 20 GB in fp32).
   */
  public static final class ChangeRecorder implements CachePolicy {
    private final Map<String, double[][]> changes = new ConcurrentHashMap<>();

    @Override
    public String describe() {
      return "full (recording FirstBlockCache changes)";
    }

    @Override
    public boolean decidesPerBranch() {
      return true;
    }

    @Override
    public boolean readsTokens() {
      return true;
    }

    @Override
    public ComputeDecider start(int steps) {
      changes.clear();
      Map<String, List<Tensor>> residuals = new ConcurrentHashMap<>();
      Map<String, double[]> means = new ConcurrentHashMap<>();
      return new FirstBlockDecider() {
        @Override
        public boolean shouldComputeRest(int step, String context, boolean hasResidual, Tensor before, Tensor afterFirst) {
          Tensor r = afterFirst.sub(before);
          List<Tensor> earlier = residuals.computeIfAbsent(context, c -> new ArrayList<>());
          double[] mean = means.computeIfAbsent(context, c -> new double[steps]);
          double[][] c = changes.computeIfAbsent(context, k -> nanMatrix(steps));
          if (earlier.size() == step) { // one call per step and branch; anything else is not recorded
            for (int k = 0; k < step; k++) {
              try (PointerScope pair = new PointerScope()) { // one difference at a time, not a step's worth
                c[k][step] = r.sub(earlier.get(k)).abs().mean().item_double() / mean[k];
              }
            }
            mean[step] = r.abs().mean().item_double();
            r.retainReference();
            earlier.add(r);
          }
          return true;
        }

        @Override
        public void close() {
          residuals.values().forEach(list -> list.forEach(Tensor::releaseReference));
          residuals.clear();
        }
      };
    }

    /** Per branch, {@code [k][s]}: step s's change against step k (NaN unless k &lt; s). */
    public Map<String, double[][]> changes() {
      return changes;
    }

    private static double[][] nanMatrix(int steps) {
      double[][] m = new double[steps][steps];
      for (double[] row : m) {
        Arrays.fill(row, Double.NaN);
      }
      return m;
    }
  }
}
