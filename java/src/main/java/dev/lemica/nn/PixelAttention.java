package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Single-head self-attention over the pixels of images, as the VAEs' mid blocks run it (diffusers'
 * 2D VAE {@code Attention} with one head of the full channel width, and {@code WanAttentionBlock}):
 * the H·W pixels of each image are the tokens, in row-major order, and images never attend to
 * each other. The projections differ between families (linear layers or 1×1 convolutions), so this
 * holds the pixel-token layout and the one-head split; {@link Attention} attends.
 */
public final class PixelAttention {
  private PixelAttention() {}

  /** (N, C, H, W) images to (N, H·W, C) tokens (a view). */
  public static Tensor tokens(Tensor images) {
    return images.flatten(2, 3).transpose(1, 2);
  }

  /** (N, H·W, C) tokens back to (N, C, H, W) images, contiguous. */
  public static Tensor images(Tensor tokens, long height, long width) {
    return tokens.transpose(1, 2).reshape(tokens.size(0), tokens.size(2), height, width);
  }

  /**
   * {@code softmax(q·kᵀ / √C)·v} with one head for fused projections: {@code qkv} is (N, L, 3C),
   * q, k and v its channel thirds in that order; returns (N, L, C).
   */
  public static Tensor attendFused(Tensor qkv) {
    TensorVector parts = qkv.chunk(3, -1);
    return Attention.attend(new Qkv(oneHead(parts.get(0)), oneHead(parts.get(1)), oneHead(parts.get(2))));
  }

  /** (N, L, C) as (N, L, 1 head, C), contiguous as SDPA's kernels like it. */
  private static Tensor oneHead(Tensor x) {
    return x.contiguous().unsqueeze(2);
  }
}
