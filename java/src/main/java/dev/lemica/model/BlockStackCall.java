package dev.lemica.model;

import org.bytedeco.pytorch.Tensor;

/**
 * One pass through a transformer's block stack, offered to a {@link BlockStackHook}: the hidden
 * states before the first block, and the means to run the blocks. The hook decides whether they run.
 */
public interface BlockStackCall {
  /** Hidden states entering the first block, (batch, tokens, dim) in the compute dtype. */
  Tensor hiddenBefore();

  /** Runs every block on {@link #hiddenBefore()} and returns the hidden states after the last. */
  default Tensor runBlocks() {
    return runBlocks(BlockObserver.NONE);
  }

  Tensor runBlocks(BlockObserver observer);

  /**
   * Blocks in the stack when this call can run part of it ({@link #runBlocks(int, int, Tensor)}),
   * else 0: what FirstBlockCache-style policies, which always run the first block, need.
   */
  default int blockCount() {
    return 0;
  }

  /**
   * Runs blocks {@code from .. to-1} on {@code hidden}, the hidden states entering block {@code
   * from}, with this call's conditioning.
   *
   * @throws UnsupportedOperationException where {@link #blockCount()} is 0
   */
  default Tensor runBlocks(int from, int to, Tensor hidden) {
    throw new UnsupportedOperationException("this model's block stack runs only as a whole");
  }

  /**
   * The first block's timestep-modulated input, {@code norm(x)·(1+scale)+shift}: what
   * TeaCache-style policies compare between steps to estimate how much the output will change.
   */
  Tensor firstBlockModulatedInput();
}
