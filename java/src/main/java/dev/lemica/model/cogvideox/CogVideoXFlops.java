package dev.lemica.model.cogvideox;

/**
 * Floating-point operations of one CogVideoX forward per sample (a multiply-add counts 2), from the
 * shapes alone: what MFU figures divide by. Every block works on the joint sequence of text and video
 * tokens; norms, modulation, activations and rotary are left out.
 */
public final class CogVideoXFlops {
  private CogVideoXFlops() {}

  /**
   * @param videoTokens latent tokens after patching
   * @param textTokens text tokens
   */
  public static double perForward(CogVideoXConfig c, long videoTokens, long textTokens) {
    double d = c.dim();
    double outside =
        2.0 * videoTokens * c.patchFeatures() * d
            + 2.0 * textTokens * c.textEmbedDim() * d
            + 2.0 * videoTokens * d * c.outChannels() * c.patchSizeT() * c.patchSize() * c.patchSize();
    return blockStack(c, videoTokens, textTokens) + outside;
  }

  /** The block stack's share of {@link #perForward}: what caching saves. */
  public static double blockStack(CogVideoXConfig c, long videoTokens, long textTokens) {
    double d = c.dim();
    double s = videoTokens + textTokens;
    double attention = 8 * s * d * d + 4 * s * s * d;
    double ff = 2 * 2 * s * d * 4 * d;
    return c.layers() * (attention + ff);
  }
}
