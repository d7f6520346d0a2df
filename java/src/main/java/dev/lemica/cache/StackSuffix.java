package dev.lemica.cache;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackCall;
import org.bytedeco.pytorch.Tensor;

/**
 * The blocks {@code from..} of a block-stack call whose first {@code from} blocks already ran: its
 * hidden states are their output. What a FirstBlockCache-style policy hands the residual cache, so
 * that the cached residual spans the remaining blocks only.
 */
public final class StackSuffix implements BlockStackCall {
  private final BlockStackCall whole;
  private final int from;
  private final Tensor prefixOutput;

  /**
   * @param prefixOutput the hidden states after block {@code from - 1}
   * @throws IllegalArgumentException when the call cannot run part of its stack
   */
  public StackSuffix(BlockStackCall whole, int from, Tensor prefixOutput) {
    if (whole.blockCount() <= from || from < 1) {
      throw new IllegalArgumentException(
          "cannot split a stack of " + whole.blockCount() + " blocks after block " + (from - 1) + " (the model runs its stack only as a whole)");
    }
    this.whole = whole;
    this.from = from;
    this.prefixOutput = prefixOutput;
  }

  /** The share of the whole stack's blocks that already ran, which a reusing step still costs. */
  public double prefixShare() {
    return (double) from / whole.blockCount();
  }

  @Override
  public Tensor hiddenBefore() {
    return prefixOutput;
  }

  @Override
  public Tensor runBlocks(BlockObserver observer) {
    return whole.runBlocks(from, whole.blockCount(), prefixOutput);
  }

  @Override
  public int blockCount() {
    return whole.blockCount() - from;
  }

  @Override
  public Tensor runBlocks(int first, int to, Tensor hidden) {
    return whole.runBlocks(from + first, from + to, hidden);
  }

  @Override
  public Tensor firstBlockModulatedInput() {
    return whole.firstBlockModulatedInput();
  }
}
