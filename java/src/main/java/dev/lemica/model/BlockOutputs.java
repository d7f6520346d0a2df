package dev.lemica.model;

import java.util.AbstractList;
import java.util.RandomAccess;
import org.bytedeco.pytorch.Tensor;

/**
 * The outputs of one block of a named stack, in diffusers' order, knowing which of them the output
 * head goes on to read: what {@link BlockObserver}'s single-tensor report picks.
 */
public final class BlockOutputs extends AbstractList<Tensor> implements RandomAccess {
  private final Tensor[] outputs;
  private final int head;

  /** @param head the index of the head's stream; negative for the last */
  public BlockOutputs(Tensor[] outputs, int head) {
    if (head >= outputs.length) {
      throw new IllegalArgumentException("head stream " + head + " of a block with " + outputs.length + " outputs");
    }
    this.outputs = outputs.clone();
    this.head = head < 0 ? outputs.length - 1 : head;
  }

  public int head() {
    return head;
  }

  @Override
  public Tensor get(int index) {
    return outputs[index];
  }

  @Override
  public int size() {
    return outputs.length;
  }
}
