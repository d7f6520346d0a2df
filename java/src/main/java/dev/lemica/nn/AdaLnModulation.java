package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The modulation vectors of an adaLN(-Zero) norm: {@code linear(silu(emb))} cut into equal chunks,
 * each (batch, 1, dim) so it broadcasts over tokens. diffusers' AdaLayerNormZero (6 chunks: shift,
 * scale, gate for attention, then for the MLP), AdaLayerNormZeroSingle (3), AdaLayerNormContinuous (2,
 * scale first), Qwen-Image's img_mod / txt_mod (6) and CogVideoX's norm1 / norm2 all compute this.
 */
public final class AdaLnModulation {
  private final Linear linear;
  private final int chunks;

  public AdaLnModulation(Linear linear, int chunks) {
    if (linear.outFeatures() % chunks != 0) {
      throw new IllegalArgumentException("modulation width " + linear.outFeatures() + " is no multiple of " + chunks);
    }
    this.linear = linear;
    this.chunks = chunks;
  }

  /** @param emb (batch, embedding_dim) */
  public TensorVector apply(Tensor emb) {
    return chunk(linear.apply(torch.silu(emb)));
  }

  /** As {@link #apply}, with silu(emb) cast to {@code dtype} before the projection. */
  public TensorVector apply(Tensor emb, ScalarType dtype) {
    return chunk(linear.apply(torch.silu(emb).to(dtype)));
  }

  private TensorVector chunk(Tensor projected) {
    return projected.unsqueeze(1).chunk(chunks, -1);
  }
}
