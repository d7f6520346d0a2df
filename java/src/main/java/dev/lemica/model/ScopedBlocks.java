package dev.lemica.model;

import dev.lemica.kernels.Profiling;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs a stack of blocks with each block's temporaries freed when that block ends, not when the
 * caller's scope does: at 480p a Wan block makes several GiB of them, and 24 UMT5-XXL blocks at
 * 512 tokens would hold every attention matrix at once. The result (and, when observed, every
 * block's output) belongs to the caller's innermost {@link PointerScope}. A stack carries one hidden
 * state, or several streams (dual-stream MMDiT blocks carry text and image).
 */
public final class ScopedBlocks {
  /** One block: the hidden state after block {@code index} given the one before it. */
  @FunctionalInterface
  public interface Block {
    Tensor apply(int index, Tensor hidden);
  }

  /** One block of a multi-stream stack: the streams leaving it given those entering, same order. */
  @FunctionalInterface
  public interface StreamBlock {
    Tensor[] apply(Tensor[] streams);
  }

  /**
   * A multi-stream block with its diffusers module path, for observers.
   *
   * @param head which of the block's outputs the output head reads in the end (the last by default)
   */
  public record Named(String name, StreamBlock block, int head) {
    public Named(String name, StreamBlock block) {
      this(name, block, -1);
    }
  }

  private ScopedBlocks() {}

  public static Tensor run(int count, Tensor input, Block block, BlockObserver observer) {
    return loop(0, count, new Tensor[] {input}, single(block), single(observer), observer)[0];
  }

  /**
   * Runs block 0 of a single-stream stack of {@code count} blocks; the rest on demand. The streams
   * in between belong to the caller's innermost scope.
   */
  public static AfterFirstBlock runFirst(int count, Tensor input, Block block, BlockObserver observer) {
    requireBlocks(count);
    Tensor first = loop(0, 1, new Tensor[] {input}, single(block), single(observer), observer)[0];
    return new AfterFirstBlock() {
      @Override
      public Tensor hidden() {
        return first;
      }

      @Override
      public Tensor runRest(BlockObserver rest) {
        return loop(1, count, new Tensor[] {first}, single(block), single(rest), rest)[0];
      }
    };
  }

  /**
   * @param input the streams entering the first block; never released here
   * @return the streams leaving the last block
   */
  public static Tensor[] run(List<Named> blocks, Tensor[] input, BlockObserver observer) {
    return loop(0, blocks.size(), input, named(blocks), named(blocks, observer), observer);
  }

  /** As {@link #runFirst(List, Tensor[], BlockObserver, Function, Function)}, one view for both ends. */
  public static AfterFirstBlock runFirst(List<Named> blocks, Tensor[] input, BlockObserver observer, Function<Tensor[], Tensor> view) {
    return runFirst(blocks, input, observer, view, view);
  }

  /**
   * Runs the first block of a named stack; the rest on demand, on every stream the first block left.
   *
   * @param afterFirst the seam's hidden states given the streams leaving the first block (the head's
   *     stream, in the layout of the stack's input)
   * @param afterLast the same given the streams leaving the last block: what the stack's
   *     {@code runBlocks} makes of {@link #run(List, Tensor[], BlockObserver)}'s result
   */
  public static AfterFirstBlock runFirst(
      List<Named> blocks, Tensor[] input, BlockObserver observer, Function<Tensor[], Tensor> afterFirst, Function<Tensor[], Tensor> afterLast) {
    requireBlocks(blocks.size());
    Tensor[] first = loop(0, 1, input, named(blocks), named(blocks, observer), observer);
    Tensor hidden = afterFirst.apply(first);
    return new AfterFirstBlock() {
      @Override
      public Tensor hidden() {
        return hidden;
      }

      @Override
      public Tensor runRest(BlockObserver rest) {
        return afterLast.apply(loop(1, blocks.size(), first, named(blocks), named(blocks, rest), rest));
      }
    };
  }

  private static void requireBlocks(int count) {
    if (count < 1) {
      throw new IllegalStateException("a block stack without blocks has no first block");
    }
  }

  private static IndexedBlock single(Block block) {
    return (i, s) -> new Tensor[] {block.apply(i, s[0])};
  }

  private static Notify single(BlockObserver observer) {
    return (i, out) -> observer.blockDone(i, out[0]);
  }

  private static IndexedBlock named(List<Named> blocks) {
    return (i, s) -> blocks.get(i).block().apply(s);
  }

  private static Notify named(List<Named> blocks, BlockObserver observer) {
    return (i, out) -> observer.blockDone(i, blocks.get(i).name(), new BlockOutputs(out, blocks.get(i).head()));
  }

  private interface IndexedBlock {
    Tensor[] apply(int index, Tensor[] streams);
  }

  private interface Notify {
    void done(int index, Tensor[] outputs);
  }

  /** Blocks {@code from} (inclusive) to {@code to} (exclusive) on {@code input}. */
  private static Tensor[] loop(int from, int to, Tensor[] input, IndexedBlock block, Notify notify, BlockObserver observer) {
    PointerScope caller = PointerScope.getInnerScope();
    boolean observed = observer != BlockObserver.NONE;
    boolean nvtx = Profiling.nvtxEnabled();
    Tensor[] h = input;
    for (int i = from; i < to; i++) {
      Tensor[] next;
      try (PointerScope blockScope = new PointerScope();
          Profiling.Range range = nvtx ? Profiling.range("block " + i) : Profiling.NO_RANGE) {
        next = block.apply(i, h);
        for (Tensor t : next) {
          t.retainReference();
        }
      }
      if (observed) {
        // An observer may keep every block's output until the caller's scope ends.
        handTo(caller, next);
      } else if (h != input) {
        for (Tensor t : h) {
          t.releaseReference();
        }
      }
      notify.done(i, next);
      h = next;
    }
    if (!observed && h != input) {
      handTo(caller, h);
    }
    return h;
  }

  /** Moves the one reference held on each tensor to {@code scope} (if any). */
  private static void handTo(PointerScope scope, Tensor[] tensors) {
    if (scope != null) {
      for (Tensor t : tensors) {
        scope.attach(t);
        t.releaseReference();
      }
    }
  }
}
