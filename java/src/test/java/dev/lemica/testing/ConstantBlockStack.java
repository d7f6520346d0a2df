package dev.lemica.testing;

import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackCall;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A block stack for hand-computed cache tests: hidden states all {@code before}, to which it adds
 * {@code add}; its first block leaves them as they are, the rest adds everything.
 */
public final class ConstantBlockStack {
  private ConstantBlockStack() {}

  public static BlockStackCall call(double before, double add) {
    Tensor h = torch.full(new long[] {1, 2, 4}, new Scalar(before));
    return new BlockStackCall() {
      @Override
      public Tensor hiddenBefore() {
        return h;
      }

      @Override
      public Tensor runBlocks(BlockObserver observer) {
        return h.add(new Scalar(add));
      }

      @Override
      public AfterFirstBlock runFirstBlock(BlockObserver observer) {
        return new AfterFirstBlock() {
          @Override
          public Tensor hidden() {
            return h;
          }

          @Override
          public Tensor runRest(BlockObserver rest) {
            return h.add(new Scalar(add));
          }
        };
      }

      @Override
      public Tensor firstBlockModulatedInput() {
        return h;
      }
    };
  }
}
