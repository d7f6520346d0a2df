package dev.lemica.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A block stack stopped after its first block ({@link BlockStackCall#runFirstBlock}): the hidden
 * states leaving that block, and the means to run the other blocks from there. What
 * First-Block-Cache-style policies need: they look at the first block's output before deciding
 * whether the rest of the stack runs.
 */
public interface AfterFirstBlock {
  /**
   * The stream the output head goes on to read, as the first block leaves it, in the layout of
   * {@link BlockStackCall#hiddenBefore()} (so {@code hidden() − hiddenBefore()} is the first block's
   * residual, and the tensor {@link #runRest} returns minus this one the remaining blocks'). Under
   * sequence parallelism this process's tokens, as {@code hiddenBefore()}.
   */
  Tensor hidden();

  default Tensor runRest() {
    return runRest(BlockObserver.NONE);
  }

  /**
   * Runs the remaining blocks on every stream the first block left (text streams too) and returns
   * what {@link BlockStackCall#runBlocks} would have: the hidden states after the last block. The
   * observer sees blocks 1, 2, ... under their indices in the whole stack.
   */
  Tensor runRest(BlockObserver observer);
}
