package dev.lemica.nn;

import dev.lemica.torch.Temporaries;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * One attention of a single stream: {@link QkvProjection}, optional rotary embedding of q and k,
 * {@link Attention#attend} and an output projection (absent where the caller consumes the merged
 * heads itself, as FLUX's single-stream blocks do). Its projections, rotations and head layouts are
 * freed when it returns; only the output stays.
 */
public final class MultiHeadAttention {
  private final QkvProjection projection;
  private final Linear toOut;

  /** @param toOut the output projection, null for none */
  public MultiHeadAttention(QkvProjection projection, Linear toOut) {
    this.projection = projection;
    this.toOut = toOut;
  }

  /**
   * @param context keys and values source for cross-attention, null for self-attention
   * @param rope rotates q and k (x in (batch, tokens, heads, head_dim)), null for none
   * @param mask see {@link Attention#attend(Qkv, Tensor)}, null for none
   */
  public Tensor apply(Tensor x, Tensor context, UnaryOperator<Tensor> rope, Tensor mask) {
    return Temporaries.freeing(() -> {
      Qkv qkv = context == null ? projection.project(x) : projection.project(x, context);
      return out(Attention.attend(qkv.rotated(rope), mask));
    });
  }

  /**
   * Self-attention of this process's tokens {@code x} over a sequence split across processes: q, k
   * and v are projected and rotated locally (with {@code rope}'s tables of the local tokens), and
   * {@code shards} attends them against the whole sequence.
   */
  public Tensor selfAttend(Tensor x, UnaryOperator<Tensor> rope, Tensor mask, SequenceParallel.TokenShards shards) {
    return Temporaries.freeing(() -> out(shards.attend(projection.project(x).rotated(rope), mask)));
  }

  private Tensor out(Tensor attended) {
    return toOut == null ? attended : toOut.apply(attended);
  }
}
