package dev.lemica.sampling;

import org.bytedeco.pytorch.Tensor;

/**
 * Classifier-free guidance split across two processes: each runs one branch's forward (with that
 * branch's own cached residual) and they swap predictions once per step.
 */
public interface BranchExchange {
  /** Whether this process runs the cond branch (the other runs uncond). */
  boolean runsCond();

  /**
   * Hands this process's prediction to its partner and returns both, {uncond, cond}: the same
   * tensors in both processes. Both call it once per step.
   */
  Tensor[] exchange(Tensor mine);
}
