package dev.lemica.model.mmdit;

/**
 * Floating-point operations of MMDiT blocks (a multiply-add counts 2) from the shapes alone, per
 * sample; norms, activations, rotary and the per-sample modulation vectors are left out.
 */
public final class MmditFlops {
  private MmditFlops() {}

  /**
   * One block over a joint sequence of {@code tokens} (text + image) of width {@code dim}, FLUX's
   * double and single blocks and Qwen-Image's alike: q/k/v 6·N·d², output projections 2·N·d²
   * (FLUX single: the fused 5d→d projection, 10·N·d², with its 8·N·d² MLP in), MLPs 16·N·d², and
   * attention 4·N²·d.
   */
  public static double block(double tokens, double dim) {
    return 24 * tokens * dim * dim + 4 * tokens * tokens * dim;
  }

  /**
   * What runs outside the block stack of an MMDiT over packed latents, per forward: the image and
   * text input projections and the output projection.
   */
  public static double outsideStack(double tokens, double textTokens, double inChannels, double textDim, double dim, double outWidth) {
    return linear(tokens, inChannels, dim) + linear(textTokens, textDim, dim) + linear(tokens, dim, outWidth);
  }

  /** A linear over {@code tokens} tokens. */
  public static double linear(double tokens, double in, double out) {
    return 2 * tokens * in * out;
  }
}
