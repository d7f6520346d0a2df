package dev.lemica.cache;

import dev.lemica.model.BlockStackCall;
import org.bytedeco.pytorch.Tensor;

/**
 * A policy's per-run state: at each (step, context), whether the block stack runs. A context is one
 * stream of calls that shares a residual, e.g. the CFG branch.
 */
@FunctionalInterface
public interface ComputeDecider extends AutoCloseable {
  /**
   * @param hasResidual whether a residual is stored for this context; without one the stack runs
   *     whatever the answer, but stateful policies still see every call
   * @param call the block stack about to run, for policies that inspect its input
   */
  boolean shouldCompute(int step, String context, boolean hasResidual, BlockStackCall call);

  /** How a reusing step scales the residual it reuses; the same rule calibration measured under. */
  default ReuseRule reuseRule() {
    return ReuseRule.PLAIN;
  }

  /**
   * A computing step stored {@code residual} for {@code context}: for policies that learn from what
   * the stack produced (a recorder of residual magnitudes). Valid during the call only.
   */
  default void residualStored(int step, String context, Tensor residual) {}

  /** Gives back whatever the policy kept between steps (tensors it retained). */
  @Override
  default void close() {}
}
