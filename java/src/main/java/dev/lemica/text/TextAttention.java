package dev.lemica.text;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The attention core of the CLIP and Qwen2.5-VL text encoders over
 * {@code torch.scaled_dot_product_attention}: softmax(q·kᵀ/√d + mask)·v with grouped key/value
 * heads. Kept here until the project's shared attention ({@code dev.lemica.nn}) lands.
 */
public final class TextAttention {
  private TextAttention() {}

  /** (B, L, heads·d) → (B, heads, L, d). */
  public static Tensor heads(Tensor x, int heads) {
    return x.unflatten(2, heads, -1).transpose(1, 2);
  }

  /**
   * @param q (B, H, L, d)
   * @param k (B, KV, L, d) with H a multiple of KV: query head h reads key/value head h / (H/KV),
   *     as transformers' {@code repeat_kv} lays them out
   * @param v (B, KV, L, d)
   * @param mask additive, broadcastable to (B, H, L, L), or null for none
   * @return (B, L, H·d)
   */
  public static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor mask) {
    long groups = q.size(1) / k.size(1);
    Tensor key = groups == 1 ? k : repeatKv(k, groups);
    Tensor value = groups == 1 ? v : repeatKv(v, groups);
    Tensor out = torch.scaled_dot_product_attention(
        q, key, value, mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, false, new DoubleOptional(), false);
    return out.transpose(1, 2).flatten(2, 3);
  }

  /** transformers' {@code repeat_kv}: (B, KV, L, d) → (B, KV·groups, L, d), each head repeated in place. */
  private static Tensor repeatKv(Tensor x, long groups) {
    long b = x.size(0);
    long kv = x.size(1);
    long l = x.size(2);
    long d = x.size(3);
    return x.unsqueeze(2).expand(b, kv, groups, l, d).reshape(b, kv * groups, l, d);
  }
}
