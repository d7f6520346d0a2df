package dev.lemica.model.opensora;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.MultiHeadAttention;
import dev.lemica.nn.Norms;
import dev.lemica.nn.QkNorm;
import dev.lemica.nn.QkvProjection;
import dev.lemica.nn.Rope;
import dev.lemica.torch.Temporaries;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * One STDiT3Block: t2i-modulated self-attention (spatial: over the S patches of each frame;
 * temporal: over the T frames of each patch position, with rotary positions), cross-attention to
 * the sample's valid caption tokens, t2i-modulated MLP. Norms are LayerNorms without affine, eps
 * 1e-6; everything runs in the compute dtype, as Open-Sora runs it.
 */
final class Stdit3Block {
  static final double EPS = 1e-6;

  private final boolean temporal;
  private final MultiHeadAttention attention;
  private final MultiHeadAttention crossAttention;
  private final FeedForward mlp;
  /** (1, 6, hidden): shift, scale, gate of the attention, then of the MLP. */
  private final Tensor scaleShiftTable;

  Stdit3Block(WeightLoader w, String prefix, Stdit3Config c, boolean temporal) {
    int dim = c.hidden();
    this.temporal = temporal;
    String a = prefix + ".attn";
    attention =
        new MultiHeadAttention(
            QkvProjection.fused(w.linear(a + ".qkv", 3L * dim, dim), c.heads(), qkNorm(w, a, c)),
            w.linear(a + ".proj", dim, dim));
    String x = prefix + ".cross_attn";
    crossAttention =
        new MultiHeadAttention(
            QkvProjection.queryAndStackedKv(w.linear(x + ".q_linear", dim, dim), w.linear(x + ".kv_linear", 2L * dim, dim), c.heads(), QkNorm.NONE),
            w.linear(x + ".proj", dim, dim));
    mlp = new FeedForward(w.linear(prefix + ".mlp.fc1", c.mlpHidden(), dim), Activation.GELU_TANH, w.linear(prefix + ".mlp.fc2", dim, c.mlpHidden()));
    scaleShiftTable = w.load(prefix + ".scale_shift_table", 6, dim).unsqueeze(0);
    scaleShiftTable.retainReference();
  }

  /** Open-Sora's LlamaRMSNorm on each head of q and k (= T5LayerNorm), before any rotary. */
  private static QkNorm qkNorm(WeightLoader w, String prefix, Stdit3Config c) {
    if (!c.qkNorm()) {
      return QkNorm.NONE;
    }
    Tensor q = w.load(prefix + ".q_norm.weight", c.headDim());
    Tensor k = w.load(prefix + ".k_norm.weight", c.headDim());
    return QkNorm.perHead(t -> Norms.t5LayerNorm(t, q, EPS), t -> Norms.t5LayerNorm(t, k, EPS));
  }

  void release() {
    scaleShiftTable.releaseReference();
  }

  /** The six (B, 1, hidden) modulation vectors from t_block's (B, 6, hidden). */
  private TensorVector modulation(Tensor blockModulation) {
    return scaleShiftTable.add(blockModulation).chunk(6, 1);
  }

  /** norm1(x)·(1 + scale_msa) + shift_msa, per frame with t0's where the frame mask says so. */
  Tensor modulatedInput(Tensor x, Stdit3Inputs in) {
    return modulated(x, modulation(in.modulation()), in.frames() == null ? null : modulation(in.modulationAtZero()), 0, in);
  }

  Tensor apply(Tensor x, Stdit3Inputs in) {
    TensorVector m = modulation(in.modulation());
    TensorVector m0 = in.frames() == null ? null : modulation(in.modulationAtZero());

    // Each sub-layer frees its temporaries as it ends (Temporaries).
    Tensor input = x;
    Tensor afterSelf = Temporaries.freeing(() -> {
      Tensor xm = modulated(input, m, m0, 0, in);
      Tensor attended = temporal ? attendOverFrames(xm, in) : attendWithinFrames(xm, in);
      return gated(input, attended, m.get(2), m0 == null ? null : m0.get(2), in);
    });

    Tensor afterCross = afterSelf.add(crossAttention.apply(afterSelf, in.text(), null, in.textMask()));

    return Temporaries.freeing(
        () -> gated(afterCross, mlp.apply(modulated(afterCross, m, m0, 3, in)), m.get(5), m0 == null ? null : m0.get(5), in));
  }

  /** norm(x)·(1 + scale) + shift with the shift at {@code first} and the scale after it; t0's on masked frames. */
  private static Tensor modulated(Tensor x, TensorVector m, TensorVector m0, int first, Stdit3Inputs in) {
    Tensor normed = Norms.layerNorm(x, null, null, EPS);
    Tensor xm = AdaLn.modulate(normed, m.get(first), m.get(first + 1));
    if (m0 != null) {
      xm = in.frames().select(xm, AdaLn.modulate(normed, m0.get(first), m0.get(first + 1)));
    }
    return xm;
  }

  /** x + gate·update; with a frame mask the gate is t0's on the masked frames. */
  private static Tensor gated(Tensor x, Tensor update, Tensor gate, Tensor gateAtZero, Stdit3Inputs in) {
    if (gateAtZero == null) {
      return AdaLn.gatedResidual(x, update, gate);
    }
    return x.add(in.frames().select(update.mul(gate), update.mul(gateAtZero)));
  }

  /** Spatial: (B, T·S, C) as B·T sequences of S tokens. */
  private Tensor attendWithinFrames(Tensor xm, Stdit3Inputs in) {
    long batch = xm.size(0);
    Tensor frames = xm.reshape(batch * in.frameCount(), in.tokensPerFrame(), xm.size(2));
    return attention.apply(frames, null, null, null).reshape(batch, -1, xm.size(2));
  }

  /** Temporal: (B, T·S, C) as B·S sequences of T frames, positions rotated by frame index. */
  private Tensor attendOverFrames(Tensor xm, Stdit3Inputs in) {
    long batch = xm.size(0);
    long t = in.frameCount();
    long s = in.tokensPerFrame();
    long c = xm.size(2);
    Tensor sequences = xm.reshape(batch, t, s, c).transpose(1, 2).reshape(batch * s, t, c);
    Tensor cos = in.ropeCos();
    Tensor sin = in.ropeSin();
    Tensor out = attention.apply(sequences, null, q -> Rope.realInterleaved(q, cos, sin), null);
    return out.reshape(batch, s, t, c).transpose(1, 2).reshape(batch, t * s, c);
  }
}
