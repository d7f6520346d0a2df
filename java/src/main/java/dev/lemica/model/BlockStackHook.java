package dev.lemica.model;

import org.bytedeco.pytorch.Tensor;

/**
 * The one seam between a model and caching: the model hands its block stack to the hook and
 * continues with whatever hidden states the hook returns. Models know nothing else of caching.
 */
@FunctionalInterface
public interface BlockStackHook {
  /** No caching: every block runs. */
  BlockStackHook RUN_ALL = BlockStackCall::runBlocks;

  /** Returns the hidden states after the block stack, computed or reconstructed. */
  Tensor apply(BlockStackCall call);
}
