package dev.lemica.text.t5;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Norms;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** One pre-norm encoder block, {@code encoder.block.<i>}: self-attention, then the feed-forward. */
final class T5Block {
  private static final double HALF_MAX = 65504.0;

  private final Tensor attentionNorm;
  private final T5Attention attention;
  private final Tensor feedForwardNorm;
  private final T5FeedForward feedForward;
  private final double eps;

  T5Block(WeightLoader w, String prefix, T5Config c, boolean hasRelativeBias) {
    attentionNorm = w.load(prefix + ".layer.0.layer_norm.weight", c.dModel());
    attention = new T5Attention(w, prefix + ".layer.0.SelfAttention", c, hasRelativeBias);
    feedForwardNorm = w.load(prefix + ".layer.1.layer_norm.weight", c.dModel());
    feedForward = new T5FeedForward(w, prefix + ".layer.1.DenseReluDense", c);
    eps = c.layerNormEpsilon();
  }

  T5Attention attention() {
    return attention;
  }

  Tensor apply(Tensor hidden, Tensor bias) {
    Tensor h = hidden.add(attention.apply(Norms.t5LayerNorm(hidden, attentionNorm, eps), bias));
    h = clampHalf(h);
    h = h.add(feedForward.apply(Norms.t5LayerNorm(h, feedForwardNorm, eps)));
    return clampHalf(h);
  }

  /**
   * transformers' fp16 guard after each sub-layer: clamp to ±(max − 1000) when an inf appeared,
   * else to ±max. Decided on the device, without a host sync.
   */
  private static Tensor clampHalf(Tensor h) {
    if (h.scalar_type().value != ScalarType.Half.value) {
      return h;
    }
    Tensor limit = torch.where(torch.isinf(h).any(), new Scalar(HALF_MAX - 1000.0), new Scalar(HALF_MAX)).to(h.scalar_type());
    return torch.clamp(h, new TensorOptional(limit.neg()), new TensorOptional(limit));
  }
}
