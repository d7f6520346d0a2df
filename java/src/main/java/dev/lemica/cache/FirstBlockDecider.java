package dev.lemica.cache;

import dev.lemica.model.BlockStackCall;
import org.bytedeco.pytorch.Tensor;

/**
 * A decider that judges each call by the block stack's first block (First-Block-Cache-style): the
 * cache runs that block at every step and then asks whether the remaining blocks run. What it keeps
 * per context and reuses is the remaining blocks' residual, {@code after − afterFirst}, which a
 * reusing step adds to the first block's fresh output; {@link #residualStored} reports it after
 * each call that ran them. A capability {@link ResidualCache} looks for; every other decider decides
 * before the stack and has the whole stack's residual.
 */
public interface FirstBlockDecider extends ComputeDecider {
  /**
   * @param hasResidual whether the remaining blocks' residual is stored for this context; without
   *     one they run whatever the answer
   * @param before the hidden states entering the stack
   * @param afterFirst the hidden states leaving its first block, in the same layout; both valid
   *     during the call only
   */
  boolean shouldComputeRest(int step, String context, boolean hasResidual, Tensor before, Tensor afterFirst);

  /** The first block runs at every step; the cache asks {@link #shouldComputeRest} after it instead. */
  @Override
  default boolean shouldCompute(int step, String context, boolean hasResidual, BlockStackCall call) {
    return true;
  }
}
