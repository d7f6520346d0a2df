package dev.lemica.model;

import org.bytedeco.pytorch.Tensor;

/** Sees each block's output as the stack runs: how tests compare per-block activations. */
@FunctionalInterface
public interface BlockObserver {
  BlockObserver NONE = (index, output) -> {};

  void blockDone(int index, Tensor output);
}
