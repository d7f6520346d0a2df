package dev.lemica.vae.opensora;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.vae.DiagonalGaussian;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Open-Sora 1.2's {@code VAE_Temporal}: compresses time only, on the spatial VAE's latents (B, 4, T,
 * h, w). Encoding puts {@code (f − T mod f) mod f} zero frames in front (f the time downsampling
 * factor) so T frames give {@code ceil(T / f)} latent frames; decoding makes f frames per latent
 * frame and drops the first {@code (f − F mod f) mod f} for the F frames asked for. Every call is
 * independent: no state is carried from one micro-chunk to the next, and the causal convolutions
 * always start from zeros.
 */
final class TemporalVae {
  private final TemporalVaeConfig config;
  private final TemporalEncoder encoder;
  private final TemporalDecoder decoder;
  private final CausalConv3d quantConv;
  private final CausalConv3d postQuantConv;

  TemporalVae(WeightLoader w, String prefix, TemporalVaeConfig c) {
    config = c;
    encoder = new TemporalEncoder(w, prefix + ".encoder", c);
    quantConv = TemporalLayers.conv(w, prefix + ".quant_conv", 2L * c.latentEmbedDim(), 2L * c.embedDim(), 1, 1, true);
    postQuantConv = TemporalLayers.conv(w, prefix + ".post_quant_conv", c.embedDim(), c.latentEmbedDim(), 1, 1, true);
    decoder = new TemporalDecoder(w, prefix + ".decoder", c);
  }

  TemporalVaeConfig config() {
    return config;
  }

  private long timePadding(long frames) {
    int f = config.timeDownsampleFactor();
    return (f - frames % f) % f;
  }

  /** One micro-chunk of spatial latents (B, C, T, h, w) to the posterior over its latent frames. */
  DiagonalGaussian encode(Tensor x) {
    long padding = timePadding(x.size(2));
    Tensor padded = padding == 0 ? x : torch.constant_pad_nd(x, 0, 0, 0, 0, padding, 0);
    return DiagonalGaussian.fromMoments(quantConv.apply(encoder.apply(padded)));
  }

  /** The decoder's output for latents z (B, embed_dim, T, h, w), before the crop: f·T frames. */
  Tensor decodeUncropped(Tensor z) {
    return decoder.apply(postQuantConv.apply(z));
  }

  /** Drops the front frames that make {@code uncropped} the {@code frames} frames asked for. */
  Tensor crop(Tensor uncropped, long frames) {
    long padding = timePadding(frames);
    return uncropped.narrow(2, padding, uncropped.size(2) - padding);
  }
}
