package dev.lemica.model.latte;

/**
 * Floating-point operations of one Latte forward per sample (a multiply-add counts 2), from the
 * shapes alone: what MFU figures divide by. Counted as diffusers executes it, so the caption's keys
 * and values are projected once per frame (the caption is repeated over frames before the spatial
 * blocks). Norms, modulation and activations are left out.
 */
public final class LatteFlops {
  private LatteFlops() {}

  /**
   * @param frames latent frames
   * @param patches patches per frame
   * @param textTokens caption tokens
   * @param temporal whether the temporal blocks run (diffusers' enable_temporal_attentions)
   */
  public static double perForward(LatteConfig c, long frames, long patches, long textTokens, boolean temporal) {
    double d = c.dim();
    double tokens = (double) frames * patches;
    double p2 = (double) c.patchSize() * c.patchSize();
    double outside =
        2 * tokens * c.inChannels() * p2 * d
            + 2 * textTokens * ((double) c.captionChannels() * d + d * d)
            + 2 * tokens * d * p2 * c.outChannels();
    return blockStack(c, frames, patches, textTokens, temporal) + outside;
  }

  /** The block stack's share of {@link #perForward}: what caching saves. */
  public static double blockStack(LatteConfig c, long frames, long patches, long textTokens, boolean temporal) {
    double d = c.dim();
    double f = frames;
    double n = patches;
    double l = textTokens;
    double inner = 4 * d;
    double ff = 2 * f * n * (d * inner * (c.activation().gated() ? 2 : 1) + inner * d);
    double spatial = f * (8 * n * d * d + 4 * n * n * d) + ff;
    if (c.crossAttentionDim() != 0) {
      spatial += f * (4 * n * d * d + 4 * l * d * d + 4 * n * l * d);
    }
    double temporalBlock = n * (8 * f * d * d + 4 * f * f * d) + ff;
    return c.layers() * (spatial + (temporal ? temporalBlock : 0));
  }
}
