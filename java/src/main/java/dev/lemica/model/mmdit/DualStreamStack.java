package dev.lemica.model.mmdit;

import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackCall;
import dev.lemica.model.ScopedBlocks;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * The block stack of a dual-stream (MMDiT) transformer as the cache sees it. Blocks carry two
 * streams, {text, image}, but only the image stream leaves the stack: the output head reads the
 * image tokens alone. So the hidden states before and after are the image stream's, and a cached
 * residual is the image stream's change over every block (FLUX: double and single blocks), which is
 * exactly what LeMiCa4FLUX and TeaCache4FLUX cache. The text stream needs no residual of its own:
 * nothing after the stack reads it, so a step that reuses the residual never needs its value.
 */
public final class DualStreamStack implements BlockStackCall {
  private final Tensor text;
  private final Tensor image;
  private final List<ScopedBlocks.Named> blocks;
  private final Supplier<Tensor> firstModulatedImage;

  /**
   * @param blocks every block in execution order, each mapping {text, image} to {text, image}
   * @param firstModulatedImage the first block's modulated image input, computed on demand
   */
  public DualStreamStack(Tensor text, Tensor image, List<ScopedBlocks.Named> blocks, Supplier<Tensor> firstModulatedImage) {
    this.text = text;
    this.image = image;
    this.blocks = blocks;
    this.firstModulatedImage = firstModulatedImage;
  }

  /** The image stream entering the first block. */
  @Override
  public Tensor hiddenBefore() {
    return image;
  }

  /** The image stream leaving the last block. */
  @Override
  public Tensor runBlocks(BlockObserver observer) {
    return ScopedBlocks.run(blocks, new Tensor[] {text, image}, observer)[1];
  }

  /** The image stream after the first block; the rest runs on both streams. */
  @Override
  public AfterFirstBlock runFirstBlock(BlockObserver observer) {
    return ScopedBlocks.runFirst(blocks, new Tensor[] {text, image}, observer, streams -> streams[1]);
  }

  /** The first block's norm1-modulated image input. */
  @Override
  public Tensor firstBlockModulatedInput() {
    return firstModulatedImage.get();
  }
}
