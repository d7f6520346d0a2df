package dev.lemica.text.qwen;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import dev.lemica.text.TextAttention;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One pre-norm decoder layer, {@code layers.<i>}: x + o_proj(attention(RMSNorm x)), then
 * x + down_proj(silu(gate_proj h) · up_proj h) with h = RMSNorm x. Grouped-query attention with
 * biases on q, k and v (none on o_proj or the MLP) and multimodal RoPE on q and k.
 *
 * <p>The RMS norms go through {@link Norms#t5LayerNorm}: transformers' {@code Qwen2RMSNorm} is the
 * same computation (mean square in float32, normalised value cast back before the weight
 * multiplies it) whenever the weight has the activations' dtype, which holds here.
 */
final class QwenDecoderLayer {
  private final Tensor inputNorm;
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear o;
  private final Tensor postAttentionNorm;
  private final Linear gate;
  private final Linear up;
  private final Linear down;
  private final QwenTextConfig config;

  QwenDecoderLayer(WeightLoader w, String prefix, QwenTextConfig c) {
    config = c;
    int h = c.hidden();
    int kv = c.kvHeads() * c.headDim();
    inputNorm = w.load(prefix + ".input_layernorm.weight", h);
    q = w.linear(prefix + ".self_attn.q_proj", h, h);
    k = w.linear(prefix + ".self_attn.k_proj", kv, h);
    v = w.linear(prefix + ".self_attn.v_proj", kv, h);
    o = new Linear(w.load(prefix + ".self_attn.o_proj.weight", h, h), null);
    postAttentionNorm = w.load(prefix + ".post_attention_layernorm.weight", h);
    gate = new Linear(w.load(prefix + ".mlp.gate_proj.weight", c.intermediate(), h), null);
    up = new Linear(w.load(prefix + ".mlp.up_proj.weight", c.intermediate(), h), null);
    down = new Linear(w.load(prefix + ".mlp.down_proj.weight", h, c.intermediate()), null);
  }

  /**
   * @param rope cos/sin tables of {@link MultimodalRope#tables}
   * @param mask additive causal + padding mask, broadcastable to (B, heads, L, L)
   */
  Tensor apply(Tensor x, Tensor[] rope, Tensor mask) {
    Tensor h = Norms.t5LayerNorm(x, inputNorm, config.rmsNormEps());
    Tensor query = MultimodalRope.apply(TextAttention.heads(q.apply(h), config.heads()), rope);
    Tensor key = MultimodalRope.apply(TextAttention.heads(k.apply(h), config.kvHeads()), rope);
    Tensor value = TextAttention.heads(v.apply(h), config.kvHeads());
    Tensor r = x.add(o.apply(TextAttention.attend(query, key, value, mask)));
    Tensor m = Norms.t5LayerNorm(r, postAttentionNorm, config.rmsNormEps());
    return r.add(down.apply(torch.silu(gate.apply(m)).mul(up.apply(m))));
  }
}
