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
   * @param call the block stack about to run (as {@link #prepare} returned it), for policies that
   *     inspect its input
   */
  boolean shouldCompute(int step, String context, boolean hasResidual, BlockStackCall call);

  /**
   * The part of the stack the cache works on at this step, before {@link #shouldCompute}: the whole
   * call, or (for a policy that always runs a prefix of the blocks, FirstBlockCache-style) a {@link
   * StackSuffix} whose hidden states are the prefix's output, so the residual spans the rest.
   */
  default BlockStackCall prepare(int step, String context, BlockStackCall call) {
    return call;
  }

  /** How a reusing step scales the residual it reuses; the same rule calibration measured under. */
  default ReuseRule reuseRule() {
    return ReuseRule.PLAIN;
  }

  /**
   * A computing step stored {@code residual} for {@code context}: for policies that learn from what
   * the stack produced (recorders of residual magnitudes). Valid during the call only.
   */
  default void residualStored(int step, String context, Tensor residual) {}

  /** Gives back whatever the policy kept between steps (tensors it retained). */
  @Override
  default void close() {}
}
