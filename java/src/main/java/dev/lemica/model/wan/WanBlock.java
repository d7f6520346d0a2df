package dev.lemica.model.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One Wan transformer block: modulated self-attention, cross-attention to the text, modulated FFN.
 * Norms and modulation run in float32 whatever the compute dtype, as diffusers does.
 */
final class WanBlock {
  private final WanAttention selfAttention;
  private final WanAttention crossAttention;
  private final Tensor crossNormWeight;
  private final Tensor crossNormBias;
  private final Linear ffnIn;
  private final Linear ffnOut;
  /** (1, 6, dim) float32: shift, scale, gate for attention, then for the FFN. */
  private final Tensor scaleShiftTable;
  private final double eps;

  WanBlock(WeightLoader w, String prefix, WanConfig c) {
    int dim = c.dim();
    selfAttention = new WanAttention(w, prefix + ".attn1", c, true);
    crossAttention = new WanAttention(w, prefix + ".attn2", c, false);
    if (c.crossAttnNorm()) {
      crossNormWeight = w.loadFloat32(prefix + ".norm2.weight", dim);
      crossNormBias = w.loadFloat32(prefix + ".norm2.bias", dim);
    } else {
      crossNormWeight = null;
      crossNormBias = null;
    }
    ffnIn = w.linear(prefix + ".ffn.net.0.proj", c.ffnDim(), dim);
    ffnOut = w.linear(prefix + ".ffn.net.2", dim, c.ffnDim());
    scaleShiftTable = w.loadFloat32(prefix + ".scale_shift_table", 1, 6, dim);
    eps = c.eps();
  }

  /** The six (B, 1, dim) float32 modulation vectors for this block at this timestep. */
  TensorVector modulation(Tensor timestepProjection) {
    return scaleShiftTable.add(timestepProjection.to(ScalarType.Float)).chunk(6, 1);
  }

  /** norm(x)·(1+scale)+shift, back in x's dtype; addcmul does the affine part in one pass. */
  private Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
    Tensor normed = Norms.layerNorm(x.to(ScalarType.Float), null, null, eps);
    return torch.addcmul(shift, normed, scale.add(new Scalar(1.0))).to(x.scalar_type());
  }

  Tensor modulatedInput(Tensor hidden, Tensor timestepProjection) {
    TensorVector m = modulation(timestepProjection);
    return modulate(hidden, m.get(0), m.get(1));
  }

  Tensor apply(Tensor hidden, Tensor context, Tensor timestepProjection, Tensor rope) {
    TensorVector m = modulation(timestepProjection);
    ScalarType dtype = hidden.scalar_type();

    Tensor attended = selfAttention.apply(modulate(hidden, m.get(0), m.get(1)), null, rope);
    hidden = torch.addcmul(hidden.to(ScalarType.Float), attended, m.get(2)).to(dtype);

    Tensor crossInput =
        crossNormWeight == null
            ? hidden
            : Norms.layerNorm(hidden.to(ScalarType.Float), crossNormWeight, crossNormBias, eps).to(dtype);
    hidden = hidden.add(crossAttention.apply(crossInput, context, null));

    Tensor ffn = ffnOut.apply(torch.gelu(ffnIn.apply(modulate(hidden, m.get(3), m.get(4))), "tanh"));
    return torch.addcmul(hidden.to(ScalarType.Float), ffn.to(ScalarType.Float), m.get(5)).to(dtype);
  }
}
