package dev.lemica.model.wan;

/**
 * Floating-point operations of one Wan forward per sample (a multiply-add counts 2), from the
 * shapes alone: what MFU figures divide by. Norms, activations and rotary are left out (a few
 * percent of the total at video sizes).
 */
public final class WanFlops {
  private WanFlops() {}

  /**
   * @param tokens latent tokens after patching
   * @param textTokens text tokens
   */
  public static double perForward(WanConfig c, long tokens, long textTokens) {
    double d = c.dim();
    double s = tokens;
    double l = textTokens;
    double selfAttention = 8 * s * d * d + 4 * s * s * d;
    double crossAttention = 4 * s * d * d + 4 * l * d * d + 4 * s * l * d;
    double ffn = 4 * s * d * c.ffnDim();
    double blocks = c.layers() * (selfAttention + crossAttention + ffn);
    double outside =
        2 * s * d * c.inChannels() * c.patchVolume()
            + 2 * l * c.textDim() * d
            + 2 * l * d * d
            + 2 * s * d * c.outChannels() * c.patchVolume();
    return blocks + outside;
  }

  /** The block stack's share of {@link #perForward}: what caching saves. */
  public static double blockStack(WanConfig c, long tokens, long textTokens) {
    double d = c.dim();
    double s = tokens;
    double l = textTokens;
    return c.layers() * (8 * s * d * d + 4 * s * s * d + 4 * s * d * d + 4 * l * d * d + 4 * s * l * d + 4 * s * d * c.ffnDim());
  }
}
