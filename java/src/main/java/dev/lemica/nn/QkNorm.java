package dev.lemica.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The normalisation of queries and keys before attention. Most families normalise each head over
 * head_dim (FLUX, Qwen-Image, CogVideoX); Wan normalises over all heads at once, before the head split.
 *
 * @param q applied to the queries, null for none
 * @param k applied to the keys, null for none
 * @param acrossHeads whether the norms see (…, heads·head_dim) rather than (…, heads, head_dim)
 */
public record QkNorm(UnaryOperator<Tensor> q, UnaryOperator<Tensor> k, boolean acrossHeads) {
  public static final QkNorm NONE = new QkNorm(null, null, false);

  public static QkNorm perHead(UnaryOperator<Tensor> q, UnaryOperator<Tensor> k) {
    return new QkNorm(q, k, false);
  }

  public static QkNorm acrossHeads(UnaryOperator<Tensor> q, UnaryOperator<Tensor> k) {
    return new QkNorm(q, k, true);
  }

  Tensor query(Tensor x) {
    return q == null ? x : q.apply(x);
  }

  Tensor key(Tensor x) {
    return k == null ? x : k.apply(x);
  }
}
