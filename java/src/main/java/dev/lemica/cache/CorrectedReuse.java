package dev.lemica.cache;

import dev.lemica.model.BlockStackCall;

/**
 * Another policy's decisions, with its reused residuals scaled by a {@link ReuseRule}: how a LeMiCa
 * schedule runs under the rule its errors were calibrated under, so the solver optimised what runs.
 */
public final class CorrectedReuse implements CachePolicy {
  private final CachePolicy policy;
  private final ReuseRule rule;

  public CorrectedReuse(CachePolicy policy, ReuseRule rule) {
    this.policy = policy;
    this.rule = rule;
  }

  @Override
  public String describe() {
    return policy.describe() + ", " + rule.cliName() + " reuse";
  }

  @Override
  public ComputeDecider start(int steps) {
    ComputeDecider inner = policy.start(steps);
    ReuseRule onGrid = rule.retarget(steps);
    return new ComputeDecider() {
      @Override
      public boolean shouldCompute(int step, String context, boolean hasResidual, BlockStackCall call) {
        return inner.shouldCompute(step, context, hasResidual, call);
      }

      @Override
      public ReuseRule reuseRule() {
        return onGrid;
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  @Override
  public boolean decidesPerBranch() {
    return policy.decidesPerBranch();
  }
}
