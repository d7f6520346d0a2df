package dev.lemica.text.t5;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * T5 self-attention ({@code layer.0.SelfAttention}): no 1/√d scaling (T5 folds it into the q
 * initialisation), an additive position bias (relative-position bias plus the padding mask), and
 * the softmax in float32 whatever the compute dtype, as transformers computes it.
 */
final class T5Attention {
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear o;
  /** (buckets, heads), or null in T5 blocks after the first, which reuse block 0's bias. */
  private final Tensor relativeBias;
  private final int heads;

  T5Attention(WeightLoader w, String prefix, T5Config c, boolean hasRelativeBias) {
    int inner = c.innerDim();
    q = new Linear(w.load(prefix + ".q.weight", inner, c.dModel()), null);
    k = new Linear(w.load(prefix + ".k.weight", inner, c.dModel()), null);
    v = new Linear(w.load(prefix + ".v.weight", inner, c.dModel()), null);
    o = new Linear(w.load(prefix + ".o.weight", c.dModel(), inner), null);
    relativeBias = hasRelativeBias
        ? w.load(prefix + ".relative_attention_bias.weight", c.relativeBuckets(), c.heads())
        : null;
    heads = c.heads();
  }

  boolean hasRelativeBias() {
    return relativeBias != null;
  }

  /** (1, heads, queries, keys) bias from a (queries, keys) bucket table. */
  Tensor positionBias(Tensor buckets) {
    return torch.embedding(relativeBias, buckets).permute(2, 0, 1).unsqueeze(0);
  }

  /** @param bias broadcastable to (batch, heads, L, L): position bias plus padding mask */
  Tensor apply(Tensor x, Tensor bias) {
    Tensor query = q.apply(x).unflatten(2, heads, -1).transpose(1, 2);
    Tensor key = k.apply(x).unflatten(2, heads, -1).transpose(1, 2);
    Tensor value = v.apply(x).unflatten(2, heads, -1).transpose(1, 2);
    Tensor scores = torch.matmul(query, key.transpose(-1, -2)).add(bias);
    Tensor weights = torch.softmax(scores.to(ScalarType.Float), -1, new ScalarTypeOptional()).to(scores.scalar_type());
    return o.apply(torch.matmul(weights, value).transpose(1, 2).flatten(2, 3));
  }
}
