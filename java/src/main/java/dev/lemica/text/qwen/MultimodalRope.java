package dev.lemica.text.qwen;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Qwen2.5-VL's multimodal RoPE ({@code Qwen2_5_VLRotaryEmbedding} + {@code
 * apply_multimodal_rotary_pos_emb}): positions come in three axes (temporal, height, width); of the
 * head_dim/2 rotary frequencies the first {@code mrope_section[0]} turn with axis 0, the next
 * {@code [1]} with axis 1, the rest with axis 2. Channel j pairs with j + head_dim/2 ("rotate
 * half"). The angles are computed in float32 and the tables cast to the activations' dtype before
 * they rotate, as transformers does. For text alone the three axes are equal and this is plain RoPE.
 */
final class MultimodalRope {
  private final int headDim;
  private final int[] section;
  private final double theta;

  MultimodalRope(QwenTextConfig c) {
    headDim = c.headDim();
    section = c.mropeSection().clone();
    theta = c.ropeTheta();
  }

  /** cos and sin, each (B, 1, L, head_dim) in {@code dtype}, from (3, B, L) int64 positions. */
  Tensor[] tables(Tensor positions, ScalarType dtype) {
    TensorOptions floats = new TensorOptions(ScalarType.Float).device(new DeviceOptional(positions.device()));
    // inv_freq = 1 / theta^(2j/d), as transformers computes it in float32.
    Tensor exponents = torch.arange(new Scalar(0), new Scalar(headDim), new Scalar(2), floats).div(new Scalar((double) headDim));
    Tensor invFreq = torch.pow(new Scalar(theta), exponents).reciprocal();
    Tensor freqs = positions.to(ScalarType.Float).unsqueeze(-1).mul(invFreq); // (3, B, L, d/2)
    TensorVector parts = new TensorVector();
    int start = 0;
    for (int axis = 0; axis < 3; axis++) {
      parts.push_back(freqs.select(0, axis).narrow(-1, start, section[axis]));
      start += section[axis];
    }
    Tensor chosen = torch.cat(parts, -1);
    Tensor emb = torch.cat(new TensorVector(chosen, chosen), -1).unsqueeze(1);
    return new Tensor[] {emb.cos().to(dtype), emb.sin().to(dtype)};
  }

  /** x·cos + rotate_half(x)·sin for x (B, heads, L, head_dim). */
  static Tensor apply(Tensor x, Tensor[] tables) {
    TensorVector halves = x.chunk(2, -1);
    Tensor rotated = torch.cat(new TensorVector(halves.get(1).neg(), halves.get(0)), -1);
    return x.mul(tables[0]).add(rotated.mul(tables[1]));
  }
}
