package dev.lemica.model.cogvideox;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.AdaLnModulation;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Linear;
import dev.lemica.nn.MultiHeadAttention;
import dev.lemica.nn.Norms;
import dev.lemica.nn.QkNorm;
import dev.lemica.nn.QkvProjection;
import dev.lemica.nn.Rope;
import dev.lemica.torch.Temporaries;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One CogVideoX block ("expert transformer"): the text and video streams are modulated each by its
 * own half of {@code CogVideoXLayerNormZero} (one LayerNorm, six vectors), attend jointly as one
 * sequence [text; video] with q and k LayerNorm'ed per head and only the video part rotated, and go
 * through one feed-forward, again joined. Everything runs in the compute dtype, as diffusers does.
 */
final class CogVideoXBlock {
  private final AdaLnModulation norm1;
  private final Tensor norm1Weight;
  private final Tensor norm1Bias;
  private final MultiHeadAttention attention;
  private final AdaLnModulation norm2;
  private final Tensor norm2Weight;
  private final Tensor norm2Bias;
  private final FeedForward ff;
  private final double eps;

  CogVideoXBlock(WeightLoader w, String prefix, CogVideoXConfig c) {
    int dim = c.dim();
    norm1 = new AdaLnModulation(w.linear(prefix + ".norm1.linear", 6L * dim, c.timeEmbedDim()), 6);
    norm2 = new AdaLnModulation(w.linear(prefix + ".norm2.linear", 6L * dim, c.timeEmbedDim()), 6);
    norm1Weight = c.normElementwiseAffine() ? w.load(prefix + ".norm1.norm.weight", dim) : null;
    norm1Bias = c.normElementwiseAffine() ? w.load(prefix + ".norm1.norm.bias", dim) : null;
    norm2Weight = c.normElementwiseAffine() ? w.load(prefix + ".norm2.norm.weight", dim) : null;
    norm2Bias = c.normElementwiseAffine() ? w.load(prefix + ".norm2.norm.bias", dim) : null;
    attention = new MultiHeadAttention(projection(w, prefix + ".attn1", c), w.linear(prefix + ".attn1.to_out.0", dim, dim));
    ff = Modules.feedForward(w, prefix + ".ff", dim, 4L * dim, dim, c.activation());
    eps = c.normEps();
  }

  /** q, k and v of the joint sequence, fused when they have biases; q and k LayerNorm'ed per head (eps 1e-6, affine). */
  private static QkvProjection projection(WeightLoader w, String prefix, CogVideoXConfig c) {
    int dim = c.dim();
    int hd = c.headDim();
    Tensor qw = w.load(prefix + ".norm_q.weight", hd);
    Tensor qb = w.load(prefix + ".norm_q.bias", hd);
    Tensor kw = w.load(prefix + ".norm_k.weight", hd);
    Tensor kb = w.load(prefix + ".norm_k.bias", hd);
    QkNorm norm = QkNorm.perHead(x -> Norms.layerNorm(x, qw, qb, 1e-6), x -> Norms.layerNorm(x, kw, kb, 1e-6));
    if (c.attentionBias()) {
      return QkvProjection.fused(w.fusedLinear(List.of(prefix + ".to_q", prefix + ".to_k", prefix + ".to_v"), dim, dim), c.heads(), norm);
    }
    return QkvProjection.separate(
        unbiased(w, prefix + ".to_q", dim), unbiased(w, prefix + ".to_k", dim), unbiased(w, prefix + ".to_v", dim), c.heads(), norm);
  }

  private static Linear unbiased(WeightLoader w, String prefix, int dim) {
    return new Linear(w.load(prefix + ".weight", dim, dim), null);
  }

  /** norm1's video half: what TeaCache-style policies compare between steps. */
  Tensor modulatedVideo(Tensor video, Tensor temb) {
    TensorVector m = norm1.apply(temb);
    return AdaLn.modulate(Norms.layerNorm(video, norm1Weight, norm1Bias, eps), m.get(0), m.get(1));
  }

  /**
   * @param video (B, video tokens, dim)
   * @param text (B, text tokens, dim)
   * @param temb (B or 1, time_embed_dim)
   * @param cos (video tokens, head_dim) rotary table, with {@code sin}
   * @return {video, text} after the block, diffusers' order
   */
  Tensor[] apply(Tensor video, Tensor text, Tensor temb, Tensor cos, Tensor sin) {
    long textTokens = text.size(1);
    long videoTokens = video.size(1);

    // Each half frees its temporaries (norms, the joined sequence, the update) as it ends.
    Tensor[] afterAttention = Temporaries.freeingAll(() -> {
      TensorVector m = norm1.apply(temb); // shift, scale, gate, then the same for the text
      Tensor joint = joined(
          AdaLn.modulate(Norms.layerNorm(text, norm1Weight, norm1Bias, eps), m.get(3), m.get(4)),
          AdaLn.modulate(Norms.layerNorm(video, norm1Weight, norm1Bias, eps), m.get(0), m.get(1)));
      Tensor attended = attention.apply(joint, null, videoRotation(textTokens, cos.unsqueeze(1), sin.unsqueeze(1)), null);
      return new Tensor[] {
        AdaLn.gatedResidual(video, attended.narrow(1, textTokens, videoTokens), m.get(2)),
        AdaLn.gatedResidual(text, attended.narrow(1, 0, textTokens), m.get(5))
      };
    });
    Tensor midVideo = afterAttention[0];
    Tensor midText = afterAttention[1];

    return Temporaries.freeingAll(() -> {
      TensorVector n = norm2.apply(temb);
      Tensor ffOut = ff.apply(joined(
          AdaLn.modulate(Norms.layerNorm(midText, norm2Weight, norm2Bias, eps), n.get(3), n.get(4)),
          AdaLn.modulate(Norms.layerNorm(midVideo, norm2Weight, norm2Bias, eps), n.get(0), n.get(1))));
      return new Tensor[] {
        AdaLn.gatedResidual(midVideo, ffOut.narrow(1, textTokens, videoTokens), n.get(2)),
        AdaLn.gatedResidual(midText, ffOut.narrow(1, 0, textTokens), n.get(5))
      };
    });
  }

  private static Tensor joined(Tensor text, Tensor video) {
    return torch.cat(new TensorVector(text, video), 1);
  }

  /** Rotates the tokens after the first {@code textTokens} of (B, tokens, heads, head_dim) q or k. */
  private static UnaryOperator<Tensor> videoRotation(long textTokens, Tensor cos, Tensor sin) {
    return x -> {
      Tensor rotated = Rope.realInterleaved(x.narrow(1, textTokens, x.size(1) - textTokens), cos, sin);
      return torch.cat(new TensorVector(x.narrow(1, 0, textTokens), rotated), 1);
    };
  }
}
