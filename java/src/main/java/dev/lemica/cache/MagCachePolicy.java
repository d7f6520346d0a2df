package dev.lemica.cache;

import dev.lemica.model.BlockStackCall;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A MagCache-style policy: per CFG branch, the magnitude ratio of step s is the mean over tokens of
 * ‖r_s‖/‖r_{s-1}‖, the per-token L2 norms of the block-stack residuals of one full run. After the
 * first {@code retained} steps, each step multiplies the ratios since the last computed step and
 * adds |1 − product| to an error; the step reuses while the error stays under the threshold and at
 * most {@code maxSkips} steps in a row reuse, else it computes and everything resets.
 *
 * <p>As in MagCache the decisions depend on the recorded ratios only, so they are fixed before
 * sampling (no host synchronisation per step). Where this differs from the published method: the
 * ratios are recorded on the evaluated prompts' own full run rather than shipped per model, and the
 * threshold and skip limit are searched to land near a budget ({@link #forBudget}).
 */
public final class MagCachePolicy implements CachePolicy {
  /** MagCache's default share of steps that always compute. */
  public static final double RETENTION = 0.2;

  private final Map<String, double[]> ratios;
  private final double threshold;
  private final int maxSkips;
  private final int retained;

  /**
   * @param ratios per branch, the magnitude ratio of every step (index 0 unused)
   * @param retained leading steps that always compute (at least 1)
   */
  public MagCachePolicy(Map<String, double[]> ratios, double threshold, int maxSkips, int retained) {
    if (!(threshold >= 0) || Double.isInfinite(threshold)) {
      throw new IllegalArgumentException("MagCache threshold must be a finite non-negative number, got " + threshold);
    }
    if (maxSkips < 0 || retained < 1) {
      throw new IllegalArgumentException("MagCache needs maxSkips >= 0 and retained >= 1, got " + maxSkips + " and " + retained);
    }
    this.ratios = Map.copyOf(ratios);
    this.threshold = threshold;
    this.maxSkips = maxSkips;
    this.retained = retained;
  }

  public double threshold() {
    return threshold;
  }

  public int maxSkips() {
    return maxSkips;
  }

  public int retained() {
    return retained;
  }

  @Override
  public String describe() {
    return String.format(java.util.Locale.ROOT, "magcache %.4g K=%d retain %d", threshold, maxSkips, retained);
  }

  @Override
  public boolean decidesPerBranch() {
    return true;
  }

  @Override
  public ComputeDecider start(int steps) {
    Map<String, boolean[]> plans = new ConcurrentHashMap<>();
    return (step, context, hasResidual, call) -> {
      double[] r = ratios.get(context);
      if (r == null || r.length != steps) {
        return true; // a branch the recording never saw: nothing to decide on
      }
      return plans.computeIfAbsent(context, c -> decisions(r, steps, threshold, maxSkips, retained))[step];
    };
  }

  /** Which steps compute under the rule, given one branch's ratios. */
  static boolean[] decisions(double[] ratios, int steps, double threshold, int maxSkips, int retained) {
    boolean[] compute = new boolean[steps];
    double ratio = 1;
    double error = 0;
    int skipped = 0;
    for (int s = 0; s < steps; s++) {
      if (s < retained) {
        compute[s] = true;
        continue;
      }
      ratio *= ratios[s];
      skipped++;
      error += Math.abs(1 - ratio);
      if (error < threshold && skipped <= maxSkips) {
        continue;
      }
      compute[s] = true;
      ratio = 1;
      error = 0;
      skipped = 0;
    }
    return compute;
  }

  /** Mean computed steps over branches. */
  static double replay(Map<String, double[]> ratios, int steps, double threshold, int maxSkips, int retained) {
    double total = 0;
    for (double[] r : ratios.values()) {
      for (boolean c : decisions(r, steps, threshold, maxSkips, retained)) {
        total += c ? 1 : 0;
      }
    }
    return total / ratios.size();
  }

  /**
   * The policy landing closest to {@code budget} computed steps (mean over branches): retained =
   * min(⌈0.2·T⌉, budget − 1), and for skip limits K = 2, 3, ... the smallest threshold reaching
   * the budget, keeping the first K that lands within half a step (else the closest found).
   */
  public static MagCachePolicy forBudget(Map<String, double[]> ratios, int steps, int budget) {
    int retained = Math.max(1, Math.min((int) Math.ceil(RETENTION * steps), budget - 1));
    MagCachePolicy best = null;
    double bestMiss = Double.POSITIVE_INFINITY;
    for (int k = 2; k < steps; k++) {
      double hi = 1e-6;
      while (replay(ratios, steps, hi, k, retained) > budget && hi < 1e6) {
        hi *= 2;
      }
      double lo = 0;
      for (int iteration = 0; iteration < 50; iteration++) {
        double mid = (lo + hi) / 2;
        if (replay(ratios, steps, mid, k, retained) > budget) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      double miss = Math.abs(replay(ratios, steps, hi, k, retained) - budget);
      if (miss < bestMiss) {
        bestMiss = miss;
        best = new MagCachePolicy(ratios, hi, k, retained);
      }
      if (miss <= 0.5) {
        break;
      }
    }
    return best;
  }

  /** A full-compute policy that records, per branch, each step's magnitude ratio. */
  public static final class RatioRecorder implements CachePolicy {
    private final Map<String, double[]> ratios = new ConcurrentHashMap<>();

    @Override
    public String describe() {
      return "full (recording MagCache ratios)";
    }

    @Override
    public boolean decidesPerBranch() {
      return true;
    }

    @Override
    public ComputeDecider start(int steps) {
      ratios.clear();
      Map<String, Tensor> previous = new ConcurrentHashMap<>();
      return new ComputeDecider() {
        @Override
        public boolean shouldCompute(int step, String context, boolean hasResidual, BlockStackCall call) {
          return true;
        }

        @Override
        public void residualStored(int step, String context, Tensor residual) {
          Tensor norms = ResidualMagnitude.perToken(residual);
          Tensor before = previous.get(context);
          double[] r = ratios.computeIfAbsent(context, c -> new double[steps]);
          r[step] = before == null ? Double.NaN : norms.div(before.add(new Scalar(1e-8))).mean().item_double();
          norms.retainReference();
          if (before != null) {
            before.releaseReference();
          }
          previous.put(context, norms);
        }

        @Override
        public void close() {
          previous.values().forEach(Tensor::releaseReference);
          previous.clear();
        }
      };
    }

    public Map<String, double[]> ratios() {
      return ratios;
    }
  }
}
