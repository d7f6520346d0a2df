package dev.lemica.model.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Wan attention: q/k RMS-normalised across all heads, rotary on self-attention only. */
final class WanAttention {
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final Linear toOut;
  private final Tensor normQ;
  private final Tensor normK;
  private final int heads;
  private final double eps;

  WanAttention(WeightLoader w, String prefix, WanConfig c) {
    int dim = c.dim();
    toQ = w.linear(prefix + ".to_q", dim, dim);
    toK = w.linear(prefix + ".to_k", dim, dim);
    toV = w.linear(prefix + ".to_v", dim, dim);
    toOut = w.linear(prefix + ".to_out.0", dim, dim);
    normQ = w.load(prefix + ".norm_q.weight", dim);
    normK = w.load(prefix + ".norm_k.weight", dim);
    heads = c.heads();
    this.eps = c.eps();
  }

  /**
   * @param context keys/values source: null for self-attention
   * @param rope rotary tables for self-attention, null for cross-attention
   */
  Tensor apply(Tensor x, Tensor context, Tensor rope) {
    Tensor kv = context == null ? x : context;
    Tensor q = Norms.rmsNorm(toQ.apply(x), normQ, eps).unflatten(2, heads, -1);
    Tensor k = Norms.rmsNorm(toK.apply(kv), normK, eps).unflatten(2, heads, -1);
    Tensor v = toV.apply(kv).unflatten(2, heads, -1);
    if (rope != null) {
      q = WanRotaryEmbedding.apply(q, rope);
      k = WanRotaryEmbedding.apply(k, rope);
    }
    Tensor attended =
        torch.scaled_dot_product_attention(
            q.transpose(1, 2),
            k.transpose(1, 2),
            v.transpose(1, 2),
            new TensorOptional(),
            0.0,
            false,
            new DoubleOptional(),
            false);
    return toOut.apply(attended.transpose(1, 2).flatten(2, 3));
  }
}
