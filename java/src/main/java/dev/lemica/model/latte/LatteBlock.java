package dev.lemica.model.latte;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Linear;
import dev.lemica.nn.MultiHeadAttention;
import dev.lemica.nn.Norms;
import dev.lemica.nn.QkNorm;
import dev.lemica.nn.QkvProjection;
import dev.lemica.torch.Temporaries;
import java.util.List;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * diffusers' {@code BasicTransformerBlock} with {@code norm_type="ada_norm_single"}, as Latte builds
 * its spatial blocks (self-attention over a frame's patches, then cross-attention to the caption) and
 * its temporal blocks (self-attention over one patch's frames, no cross-attention): PixArt-α's
 * modulation {@code table + t} (shift, scale, gate for attention, then for the feed-forward), the
 * cross-attention unmodulated and ungated on the raw hidden states. In the compute dtype throughout.
 */
final class LatteBlock {
  private final MultiHeadAttention selfAttention;
  /** null in temporal blocks (and in spatial ones of a model without cross_attention_dim). */
  private final MultiHeadAttention crossAttention;
  private final Tensor norm1Weight;
  private final Tensor norm1Bias;
  private final Tensor norm2Weight;
  private final Tensor norm2Bias;
  private final FeedForward ff;
  /** (6, dim). */
  private final Tensor scaleShiftTable;
  private final double eps;

  LatteBlock(WeightLoader w, String prefix, LatteConfig c, boolean crossAttends) {
    int dim = c.dim();
    selfAttention = new MultiHeadAttention(selfProjection(w, prefix + ".attn1", c), w.linear(prefix + ".attn1.to_out.0", dim, dim));
    crossAttention = crossAttends
        ? new MultiHeadAttention(
            QkvProjection.separate(
                projection(w, prefix + ".attn2.to_q", dim, c),
                projection(w, prefix + ".attn2.to_k", c.crossAttentionDim(), c),
                projection(w, prefix + ".attn2.to_v", c.crossAttentionDim(), c),
                c.heads(),
                QkNorm.NONE),
            w.linear(prefix + ".attn2.to_out.0", dim, dim))
        : null;
    boolean affine = c.normElementwiseAffine();
    norm1Weight = affine ? w.load(prefix + ".norm1.weight", dim) : null;
    norm1Bias = affine ? w.load(prefix + ".norm1.bias", dim) : null;
    norm2Weight = affine ? w.load(prefix + ".norm2.weight", dim) : null;
    norm2Bias = affine ? w.load(prefix + ".norm2.bias", dim) : null;
    ff = Modules.feedForward(w, prefix + ".ff", dim, 4L * dim, dim, c.activation());
    scaleShiftTable = w.load(prefix + ".scale_shift_table", 6, dim);
    eps = c.normEps();
  }

  private static QkvProjection selfProjection(WeightLoader w, String prefix, LatteConfig c) {
    int dim = c.dim();
    if (c.attentionBias()) {
      return QkvProjection.fused(w.fusedLinear(List.of(prefix + ".to_q", prefix + ".to_k", prefix + ".to_v"), dim, dim), c.heads(), QkNorm.NONE);
    }
    return QkvProjection.separate(
        projection(w, prefix + ".to_q", dim, c), projection(w, prefix + ".to_k", dim, c), projection(w, prefix + ".to_v", dim, c),
        c.heads(), QkNorm.NONE);
  }

  private static Linear projection(WeightLoader w, String prefix, int in, LatteConfig c) {
    return c.attentionBias() ? w.linear(prefix, c.dim(), in) : new Linear(w.load(prefix + ".weight", c.dim(), in), null);
  }

  /**
   * The six (B·repeats, 1, dim) modulation vectors: {@code table + t} per sample, repeated for each
   * row of the block's layout that belongs to it (frames for spatial blocks, patches for temporal ones).
   *
   * @param timestep (B, 6, dim), adaln_single's projection
   */
  TensorVector modulation(Tensor timestep, long repeats) {
    return scaleShiftTable.unsqueeze(0).add(timestep).repeat_interleave(repeats, new LongOptional(0), new LongOptional()).chunk(6, 1);
  }

  Tensor modulatedInput(Tensor hidden, TensorVector m) {
    return AdaLn.modulate(Norms.layerNorm(hidden, norm1Weight, norm1Bias, eps), m.get(0), m.get(1));
  }

  /**
   * @param hidden (rows, tokens, dim) in the block's layout
   * @param context (rows, text tokens, dim) for spatial blocks, ignored by temporal ones
   */
  Tensor apply(Tensor hidden, Tensor context, TensorVector m) {
    // Each sub-layer frees its temporaries as it ends (Temporaries).
    Tensor input = hidden;
    Tensor afterSelf = Temporaries.freeing(
        () -> AdaLn.gatedResidual(input, selfAttention.apply(modulatedInput(input, m), null, null, null), m.get(2)));
    Tensor afterCross = crossAttention == null ? afterSelf : afterSelf.add(crossAttention.apply(afterSelf, context, null, null));
    return Temporaries.freeing(() -> {
      Tensor ffIn = AdaLn.modulate(Norms.layerNorm(afterCross, norm2Weight, norm2Bias, eps), m.get(3), m.get(4));
      return AdaLn.gatedResidual(afterCross, ff.apply(ffIn), m.get(5));
    });
  }
}
