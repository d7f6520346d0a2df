package dev.lemica.text.clip;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import dev.lemica.text.TextAttention;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One pre-LN layer, {@code text_model.encoder.layers.<i>}: x + out_proj(attention(layer_norm1 x)),
 * then x + fc2(act(fc1(layer_norm2 x))). Every linear has a bias.
 */
final class CLIPEncoderLayer {
  private final Tensor norm1Weight;
  private final Tensor norm1Bias;
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear out;
  private final Tensor norm2Weight;
  private final Tensor norm2Bias;
  private final Linear fc1;
  private final Linear fc2;
  private final CLIPTextConfig config;

  CLIPEncoderLayer(WeightLoader w, String prefix, CLIPTextConfig c) {
    config = c;
    int h = c.hidden();
    norm1Weight = w.load(prefix + ".layer_norm1.weight", h);
    norm1Bias = w.load(prefix + ".layer_norm1.bias", h);
    q = w.linear(prefix + ".self_attn.q_proj", h, h);
    k = w.linear(prefix + ".self_attn.k_proj", h, h);
    v = w.linear(prefix + ".self_attn.v_proj", h, h);
    out = w.linear(prefix + ".self_attn.out_proj", h, h);
    norm2Weight = w.load(prefix + ".layer_norm2.weight", h);
    norm2Bias = w.load(prefix + ".layer_norm2.bias", h);
    fc1 = w.linear(prefix + ".mlp.fc1", c.intermediate(), h);
    fc2 = w.linear(prefix + ".mlp.fc2", h, c.intermediate());
  }

  /** transformers' {@code QuickGELUActivation}: x·sigmoid(1.702·x). */
  static Tensor quickGelu(Tensor x) {
    return x.mul(torch.sigmoid(x.mul(new Scalar(1.702))));
  }

  /** @param mask additive causal (and padding) mask, broadcastable to (B, heads, L, L) */
  Tensor apply(Tensor x, Tensor mask) {
    Tensor h = Norms.layerNorm(x, norm1Weight, norm1Bias, config.layerNormEps());
    int heads = config.heads();
    Tensor attended = TextAttention.attend(
        TextAttention.heads(q.apply(h), heads), TextAttention.heads(k.apply(h), heads), TextAttention.heads(v.apply(h), heads), mask);
    Tensor r = x.add(out.apply(attended));
    Tensor m = fc1.apply(Norms.layerNorm(r, norm2Weight, norm2Bias, config.layerNormEps()));
    m = config.hiddenAct().equals("gelu") ? torch.gelu(m, "none") : quickGelu(m);
    return r.add(fc2.apply(m));
  }
}
