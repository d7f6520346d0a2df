package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The input side of an attention: q, k and v projected, normalised per {@link QkNorm} and split
 * into heads. Self-attention may hold the three projections fused into one matrix (one large product
 * instead of three); cross-attention takes k and v from a context.
 */
public final class QkvProjection {
  /** q, k and v stacked, or null when they are separate. */
  private final Linear toQkv;
  /** k and v stacked (cross-attention), or null. */
  private final Linear toKv;
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final int heads;
  private final QkNorm norm;

  private QkvProjection(Linear toQkv, Linear toKv, Linear toQ, Linear toK, Linear toV, int heads, QkNorm norm) {
    this.toQkv = toQkv;
    this.toKv = toKv;
    this.toQ = toQ;
    this.toK = toK;
    this.toV = toV;
    this.heads = heads;
    this.norm = norm;
  }

  /** q, k and v as one stacked linear (outputs q, k, v in that order): self-attention only. */
  public static QkvProjection fused(Linear toQkv, int heads, QkNorm norm) {
    return new QkvProjection(toQkv, null, null, null, null, heads, norm);
  }

  public static QkvProjection separate(Linear toQ, Linear toK, Linear toV, int heads, QkNorm norm) {
    return new QkvProjection(null, null, toQ, toK, toV, heads, norm);
  }

  /**
   * q on its own, k and v as one stacked linear (outputs k, v in that order) on the context:
   * cross-attention as PixArt and Open-Sora store it ({@code q_linear}, {@code kv_linear}).
   */
  public static QkvProjection queryAndStackedKv(Linear toQ, Linear toKv, int heads, QkNorm norm) {
    return new QkvProjection(null, toKv, toQ, null, null, heads, norm);
  }

  public int heads() {
    return heads;
  }

  /** Self-attention: q, k and v from {@code x}. */
  public Qkv project(Tensor x) {
    if (toKv != null) {
      return project(x, x);
    }
    if (toQkv != null) {
      TensorVector qkv = toQkv.apply(x).chunk(3, -1);
      return shape(qkv.get(0), qkv.get(1), qkv.get(2));
    }
    return shape(toQ.apply(x), toK.apply(x), toV.apply(x));
  }

  /** Cross-attention: q from {@code x}, k and v from {@code context}. */
  public Qkv project(Tensor x, Tensor context) {
    if (toQkv != null) {
      throw new IllegalStateException("a fused q/k/v projection serves self-attention only");
    }
    if (toKv != null) {
      TensorVector kv = toKv.apply(context).chunk(2, -1);
      return shape(toQ.apply(x), kv.get(0), kv.get(1));
    }
    return shape(toQ.apply(x), toK.apply(context), toV.apply(context));
  }

  private Qkv shape(Tensor q, Tensor k, Tensor v) {
    if (norm.acrossHeads()) {
      return new Qkv(
          Attention.splitHeads(norm.query(q), heads),
          Attention.splitHeads(norm.key(k), heads),
          Attention.splitHeads(v, heads));
    }
    return new Qkv(
        norm.query(Attention.splitHeads(q, heads)),
        norm.key(Attention.splitHeads(k, heads)),
        Attention.splitHeads(v, heads));
  }
}
