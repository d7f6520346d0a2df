package dev.lemica.model;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Sees each block's output as the stack runs: how tests compare per-block activations. */
@FunctionalInterface
public interface BlockObserver {
  BlockObserver NONE = (index, output) -> {};

  void blockDone(int index, Tensor output);

  /**
   * A block of a named, possibly multi-stream stack ({@link ScopedBlocks#run(List, Tensor[],
   * BlockObserver)}) is done. By default it reports the stream that goes on to the output head: the
   * last output, unless the stack names another ({@link BlockOutputs#head()}: CogVideoX's blocks
   * return the video stream first); override it for the names and every stream.
   *
   * @param index the block's position in execution order, over every block list of the model
   * @param block the block's module path as diffusers names it ({@code transformer_blocks.0},
   *     {@code single_transformer_blocks.7}): the golden files store its outputs as
   *     {@code act.<block>.<k>}
   * @param outputs what the block returns, in diffusers' order (dual-stream blocks: text, image);
   *     valid until the caller's PointerScope ends
   */
  default void blockDone(int index, String block, List<Tensor> outputs) {
    blockDone(index, outputs.get(outputs instanceof BlockOutputs o ? o.head() : outputs.size() - 1));
  }
}
