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
  /** Self-attention: q, k and v in one projection. Null for cross-attention. */
  private final Linear toQkv;
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final Linear toOut;
  private final Tensor normQ;
  private final Tensor normK;
  private final int heads;
  private final double eps;

  /** @param self whether this is self-attention, whose q, k and v share their input */
  WanAttention(WeightLoader w, String prefix, WanConfig c, boolean self) {
    int dim = c.dim();
    if (self) {
      toQkv = w.fusedLinear(java.util.List.of(prefix + ".to_q", prefix + ".to_k", prefix + ".to_v"), dim, dim);
      toQ = toK = toV = null;
    } else {
      toQkv = null;
      toQ = w.linear(prefix + ".to_q", dim, dim);
      toK = w.linear(prefix + ".to_k", dim, dim);
      toV = w.linear(prefix + ".to_v", dim, dim);
    }
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
    Tensor qRaw;
    Tensor kRaw;
    Tensor vRaw;
    if (context == null) {
      org.bytedeco.pytorch.TensorVector qkv = toQkv.apply(x).chunk(3, -1);
      qRaw = qkv.get(0);
      kRaw = qkv.get(1);
      vRaw = qkv.get(2);
    } else {
      qRaw = toQ.apply(x);
      kRaw = toK.apply(context);
      vRaw = toV.apply(context);
    }
    Tensor q = Norms.rmsNorm(qRaw, normQ, eps).unflatten(2, heads, -1);
    Tensor k = Norms.rmsNorm(kRaw, normK, eps).unflatten(2, heads, -1);
    Tensor v = vRaw.unflatten(2, heads, -1);
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
