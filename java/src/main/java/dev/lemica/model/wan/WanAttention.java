package dev.lemica.model.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.MultiHeadAttention;
import dev.lemica.nn.Norms;
import dev.lemica.nn.QkNorm;
import dev.lemica.nn.QkvProjection;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Wan's attentions: q and k RMS-normalised across all heads (qk_norm "rms_norm_across_heads"). */
final class WanAttention {
  private WanAttention() {}

  /** Self-attention; q, k and v share their input, so their projections run as one. */
  static MultiHeadAttention self(WeightLoader w, String prefix, WanConfig c) {
    int dim = c.dim();
    return new MultiHeadAttention(
        QkvProjection.fused(
            w.fusedLinear(List.of(prefix + ".to_q", prefix + ".to_k", prefix + ".to_v"), dim, dim), c.heads(), norm(w, prefix, c)),
        w.linear(prefix + ".to_out.0", dim, dim));
  }

  /** Cross-attention to the text: q from the video tokens, k and v from the text. */
  static MultiHeadAttention cross(WeightLoader w, String prefix, WanConfig c) {
    int dim = c.dim();
    return new MultiHeadAttention(
        QkvProjection.separate(
            w.linear(prefix + ".to_q", dim, dim),
            w.linear(prefix + ".to_k", dim, dim),
            w.linear(prefix + ".to_v", dim, dim),
            c.heads(),
            norm(w, prefix, c)),
        w.linear(prefix + ".to_out.0", dim, dim));
  }

  private static QkNorm norm(WeightLoader w, String prefix, WanConfig c) {
    Tensor q = w.load(prefix + ".norm_q.weight", c.dim());
    Tensor k = w.load(prefix + ".norm_k.weight", c.dim());
    double eps = c.eps();
    return QkNorm.acrossHeads(x -> Norms.rmsNorm(x, q, eps), x -> Norms.rmsNorm(x, k, eps));
  }
}
