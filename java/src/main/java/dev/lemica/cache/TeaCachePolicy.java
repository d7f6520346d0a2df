package dev.lemica.cache;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A TeaCache-style online policy: per CFG branch, accumulate the relative L1 change of the first
 * block's modulated input since the last computed step; reuse while the sum stays under the
 * threshold, compute (and reset) once it reaches it. The first and last steps always compute.
 *
 * <p>TeaCache rescales the change with a polynomial fitted per model; none is fitted here (the raw
 * change is used), so thresholds are not interchangeable with published TeaCache values. Deciding
 * needs the change as a number, one host synchronisation per step, which static schedules avoid.
 */
public final class TeaCachePolicy implements CachePolicy {
  private final double threshold;

  public TeaCachePolicy(double threshold) {
    if (!(threshold >= 0) || Double.isInfinite(threshold)) {
      throw new IllegalArgumentException("TeaCache threshold must be a finite non-negative number, got " + threshold);
    }
    this.threshold = threshold;
  }

  public double threshold() {
    return threshold;
  }

  @Override
  public String describe() {
    return String.format("teacache %.4g", threshold);
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
    return new ComputeDecider() {
      private final Map<String, Branch> branches = new java.util.concurrent.ConcurrentHashMap<>();

      @Override
      public boolean shouldCompute(int step, String context, boolean hasResidual, dev.lemica.model.BlockStackCall call) {
        Branch b = branches.computeIfAbsent(context, c -> new Branch());
        double change = b.observe(call.firstBlockModulatedInput());
        boolean compute;
        if (Double.isNaN(change) || step == 0 || step == steps - 1) {
          compute = true;
        } else {
          b.accumulated += change;
          compute = b.accumulated >= threshold;
        }
        if (compute) {
          b.accumulated = 0;
        }
        return compute;
      }

      @Override
      public void close() {
        branches.values().forEach(Branch::release);
      }
    };
  }

  /** One branch's state: the previous modulated input and the change accumulated since the last compute. */
  static final class Branch {
    private Tensor previous;
    double accumulated;

    /** Relative L1 change from the previous input (NaN for the first), keeping this one. */
    double observe(Tensor input) {
      double change = previous == null ? Double.NaN : relativeL1(input, previous);
      input.retainReference();
      if (previous != null) {
        previous.releaseReference();
      }
      previous = input;
      return change;
    }

    void release() {
      if (previous != null) {
        previous.releaseReference();
        previous = null;
      }
    }
  }

  static double relativeL1(Tensor current, Tensor previous) {
    return current.sub(previous).abs().mean().item_double() / previous.abs().mean().item_double();
  }

  /**
   * The threshold whose decisions, replayed on per-step changes recorded along a full run (one
   * sequence per branch), compute closest to {@code budget} steps on average over the branches; ties
   * go to the smaller threshold (more compute). The real run may differ slightly, since caching
   * changes the inputs it measures.
   */
  public static double thresholdForBudget(Map<String, double[]> changes, int steps, int budget) {
    double hi = 0;
    for (double[] c : changes.values()) {
      double sum = 0;
      for (double v : c) {
        sum += Double.isNaN(v) ? 0 : v;
      }
      hi = Math.max(hi, sum);
    }
    double lo = 0;
    hi = hi * 1.01 + 1e-12;
    for (int iteration = 0; iteration < 60; iteration++) {
      double mid = (lo + hi) / 2;
      if (replay(changes, steps, mid) > budget) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double countHi = replay(changes, steps, hi);
    double countLo = replay(changes, steps, lo);
    return Math.abs(countLo - budget) < Math.abs(countHi - budget) ? lo : hi;
  }

  /** Mean computed steps over branches when the rule runs on recorded changes. */
  static double replay(Map<String, double[]> changes, int steps, double threshold) {
    double total = 0;
    for (double[] c : changes.values()) {
      int computed = 0;
      double accumulated = 0;
      for (int s = 0; s < steps; s++) {
        if (s == 0 || s == steps - 1 || Double.isNaN(c[s])) {
          computed++;
          accumulated = 0;
          continue;
        }
        accumulated += c[s];
        if (accumulated >= threshold) {
          computed++;
          accumulated = 0;
        }
      }
      total += computed;
    }
    return total / changes.size();
  }

  /** A full-compute policy that records, per branch, the change TeaCache would measure at each step. */
  public static final class ChangeRecorder implements CachePolicy {
    private final Map<String, double[]> changes = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public String describe() {
      return "full (recording TeaCache changes)";
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
      return new ComputeDecider() {
        private final Map<String, Branch> branches = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public boolean shouldCompute(int step, String context, boolean hasResidual, dev.lemica.model.BlockStackCall call) {
          double change = branches.computeIfAbsent(context, c -> new Branch()).observe(call.firstBlockModulatedInput());
          changes.computeIfAbsent(context, c -> new double[steps])[step] = change;
          return true;
        }

        @Override
        public void close() {
          branches.values().forEach(Branch::release);
        }
      };
    }

    public Map<String, double[]> changes() {
      return changes;
    }
  }
}
