package dev.lemica.pipeline;

import org.bytedeco.pytorch.Tensor;

/**
 * The result of one whole generation.
 *
 * @param videos (B, 3, F, H, W) float32 in [-1, 1]
 */
public record Generation(SamplingResult sampling, Tensor videos, double encodeSeconds, double decodeSeconds) {
  public Tensor latents() {
    return sampling.latents();
  }
}
