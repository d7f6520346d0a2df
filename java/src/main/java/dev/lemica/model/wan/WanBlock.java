package dev.lemica.model.wan;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.MultiHeadAttention;
import dev.lemica.nn.Norms;
import dev.lemica.nn.Rope;
import dev.lemica.nn.SequenceParallel;
import dev.lemica.torch.Temporaries;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One Wan transformer block: modulated self-attention, cross-attention to the text, modulated FFN.
 * Norms and modulation run in float32 whatever the compute dtype, as diffusers does.
 */
final class WanBlock {
  private final MultiHeadAttention selfAttention;
  private final MultiHeadAttention crossAttention;
  private final Tensor crossNormWeight;
  private final Tensor crossNormBias;
  private final FeedForward ffn;
  /** (1, 6, dim) float32: shift, scale, gate for attention, then for the FFN. */
  private final Tensor scaleShiftTable;
  private final double eps;

  WanBlock(WeightLoader w, String prefix, WanConfig c) {
    int dim = c.dim();
    selfAttention = WanAttention.self(w, prefix + ".attn1", c);
    crossAttention = WanAttention.cross(w, prefix + ".attn2", c);
    if (c.crossAttnNorm()) {
      crossNormWeight = w.loadFloat32(prefix + ".norm2.weight", dim);
      crossNormBias = w.loadFloat32(prefix + ".norm2.bias", dim);
    } else {
      crossNormWeight = null;
      crossNormBias = null;
    }
    ffn = Modules.feedForward(w, prefix + ".ffn", dim, c.ffnDim(), dim, Activation.GELU_TANH);
    scaleShiftTable = w.loadFloat32(prefix + ".scale_shift_table", 1, 6, dim);
    eps = c.eps();
  }

  /** The six (B, 1, dim) float32 modulation vectors for this block at this timestep. */
  TensorVector modulation(Tensor timestepProjection) {
    return scaleShiftTable.add(timestepProjection.to(ScalarType.Float)).chunk(6, 1);
  }

  Tensor modulatedInput(Tensor hidden, Tensor timestepProjection) {
    TensorVector m = modulation(timestepProjection);
    return AdaLn.modulateFloat32(hidden, m.get(0), m.get(1), eps);
  }

  /**
   * @param hidden this process's tokens (all of them without sequence parallelism)
   * @param rope the (1, tokens, 1, head_dim/2) complex rotation of each of those tokens' channel pairs
   * @param shards how the sequence is split across processes
   */
  Tensor apply(Tensor hidden, Tensor context, Tensor timestepProjection, Tensor rope, SequenceParallel.TokenShards shards) {
    TensorVector m = modulation(timestepProjection);
    // Each sub-layer frees its temporaries as it ends (Temporaries), so what a block holds at once
    // is the residual stream's few states plus the widest sub-layer's working set.
    Tensor afterSelf = Temporaries.freeing(() -> AdaLn.gatedResidualFloat32(
        hidden, selfAttention.selfAttend(AdaLn.modulateFloat32(hidden, m.get(0), m.get(1), eps), x -> Rope.complex(x, rope), null, shards), m.get(2)));

    Tensor afterCross = Temporaries.freeing(() -> {
      Tensor crossInput = crossNormWeight == null ? afterSelf : Norms.layerNormFloat32(afterSelf, crossNormWeight, crossNormBias, eps);
      return afterSelf.add(crossAttention.apply(crossInput, context, null, null));
    });

    return Temporaries.freeing(() -> AdaLn.gatedResidualFloat32(afterCross, ffn.apply(AdaLn.modulateFloat32(afterCross, m.get(3), m.get(4), eps)), m.get(5)));
  }
}
