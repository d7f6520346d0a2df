package dev.lemica.vae.cogvideox;

import dev.lemica.nn.FrameCache;
import org.bytedeco.pytorch.Tensor;

/**
 * A layer of the CogVideoX VAE run on one frame group, continuing from what the cache holds; {@code
 * zq} is the decoder's input latents of the group (null in the encoder).
 */
interface CogVideoXLayer {
  Tensor apply(Tensor x, Tensor zq, FrameCache cache);
}
