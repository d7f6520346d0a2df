package dev.lemica.model.opensora;

/**
 * Floating-point operations of one STDiT3 forward per sample (a multiply-add counts 2), from the
 * shapes alone: what MFU figures divide by. Norms, activations, rotary and the timestep MLPs are
 * left out.
 */
public final class Stdit3Flops {
  private Stdit3Flops() {}

  /**
   * @param frames T after patching
   * @param perFrame S, patches per frame
   * @param textTokens valid caption tokens (the only ones cross-attention reads)
   */
  public static double perForward(Stdit3Config c, long frames, long perFrame, long textTokens) {
    double d = c.hidden();
    double n = (double) frames * perFrame;
    double outside =
        2 * n * d * c.inChannels() * c.patchVolume()
            + 2 * c.modelMaxLength() * (c.captionChannels() * d + d * d)
            + 2 * n * d * c.outChannels() * c.patchVolume();
    return blockStack(c, frames, perFrame, textTokens) + outside;
  }

  /** The block stack's share of {@link #perForward}: what caching saves. */
  public static double blockStack(Stdit3Config c, long frames, long perFrame, long textTokens) {
    double d = c.hidden();
    double n = (double) frames * perFrame;
    double l = textTokens;
    double projections = 6 * n * d * d + 2 * n * d * d;
    double cross = 2 * n * d * d + 4 * l * d * d + 4 * n * l * d + 2 * n * d * d;
    double mlp = 4 * n * d * c.mlpHidden();
    double spatial = projections + 4 * n * perFrame * d + cross + mlp;
    double temporal = projections + 4 * n * frames * d + cross + mlp;
    return c.depth() * (spatial + temporal);
  }
}
