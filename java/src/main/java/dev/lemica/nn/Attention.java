package dev.lemica.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head scaled dot-product attention over {@code torch.scaled_dot_product_attention}, in the
 * (batch, tokens, heads, head_dim) layout diffusers' attention dispatch takes: heads are split off
 * the channel dimension before and merged back after.
 */
public final class Attention {
  private Attention() {}

  /** (batch, tokens, heads·head_dim) → (batch, tokens, heads, head_dim), a view. */
  public static Tensor splitHeads(Tensor x, int heads) {
    return x.unflatten(-1, heads, -1);
  }

  /** (batch, tokens, heads, head_dim) → (batch, tokens, heads·head_dim). */
  public static Tensor mergeHeads(Tensor x) {
    return x.flatten(2, 3);
  }

  /** softmax(q·kᵀ/√d)·v with no mask, heads merged: (batch, tokens_q, heads·head_dim). */
  public static Tensor attend(Qkv qkv) {
    return attend(qkv, null);
  }

  /**
   * softmax(q·kᵀ/√d + mask)·v, heads merged: (batch, tokens_q, heads·head_dim).
   *
   * @param mask null, a boolean mask (true = attend) or an additive float mask, broadcastable to
   *     (batch, heads, tokens_q, tokens_k); a (batch, tokens_k) key mask is widened to
   *     (batch, 1, 1, tokens_k) as diffusers' native backend does
   */
  public static Tensor attend(Qkv qkv, Tensor mask) {
    TensorOptional m = new TensorOptional();
    if (mask != null) {
      boolean keyMask = mask.dim() == 2 && mask.size(0) == qkv.k().size(0) && mask.size(1) == qkv.k().size(1);
      m = new TensorOptional(keyMask ? mask.unsqueeze(1).unsqueeze(1) : mask);
    }
    Tensor out =
        torch.scaled_dot_product_attention(
            qkv.q().transpose(1, 2),
            qkv.k().transpose(1, 2),
            qkv.v().transpose(1, 2),
            m,
            0.0,
            false,
            new DoubleOptional(),
            false);
    return mergeHeads(out.transpose(1, 2));
  }
}
