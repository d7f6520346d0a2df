package dev.lemica.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Queries, keys and values of one attention, each (batch, tokens, heads, head_dim). */
public record Qkv(Tensor q, Tensor k, Tensor v) {
  /** q and k rotated by {@code rope} (v never is); {@code rope} null leaves them as they are. */
  public Qkv rotated(UnaryOperator<Tensor> rope) {
    return rope == null ? this : new Qkv(rope.apply(q), rope.apply(k), v);
  }

  /** This sequence followed by {@code then}'s along the tokens: how joint attention joins two streams. */
  public Qkv followedBy(Qkv then) {
    return new Qkv(
        torch.cat(new TensorVector(q, then.q), 1),
        torch.cat(new TensorVector(k, then.k), 1),
        torch.cat(new TensorVector(v, then.v), 1));
  }
}
