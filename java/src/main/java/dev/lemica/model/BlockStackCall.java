package dev.lemica.model;

import org.bytedeco.pytorch.Tensor;

/**
 * One pass through a transformer's block stack, offered to a {@link BlockStackHook}: the hidden
 * states before the first block, and the means to run the blocks. The hook decides whether they run.
 */
public interface BlockStackCall {
  /**
   * Hidden states entering the first block, (batch, tokens, dim) in the compute dtype; under
   * sequence parallelism this process's tokens only, so a residual cached from them is this
   * process's part and its reuse needs no communication.
   */
  Tensor hiddenBefore();

  /** Runs every block on {@link #hiddenBefore()} and returns the hidden states after the last. */
  default Tensor runBlocks() {
    return runBlocks(BlockObserver.NONE);
  }

  Tensor runBlocks(BlockObserver observer);

  default AfterFirstBlock runFirstBlock() {
    return runFirstBlock(BlockObserver.NONE);
  }

  /**
   * Runs the first block only, the first in execution order, which is also the first block of the
   * model's first block list as diffusers' first-block cache picks it: Wan {@code blocks.0}, FLUX.1,
   * Qwen-Image and CogVideoX {@code transformer_blocks.0}, Latte the spatial
   * {@code transformer_blocks.0} (its temporal partner belongs to the rest), STDiT3
   * {@code spatial_blocks.0}. Running the rest from the result equals {@link #runBlocks} bit for bit.
   * The observer sees that one block.
   */
  AfterFirstBlock runFirstBlock(BlockObserver observer);

  /**
   * The first block's timestep-modulated input, {@code norm(x)·(1+scale)+shift}: what
   * TeaCache-style policies compare between steps to estimate how much the output will change.
   */
  Tensor firstBlockModulatedInput();
}
