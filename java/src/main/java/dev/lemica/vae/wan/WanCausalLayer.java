package dev.lemica.vae.wan;

import dev.lemica.nn.FrameCache;
import org.bytedeco.pytorch.Tensor;

/** A layer of the Wan VAE that runs on one chunk of frames, continuing from what the cache holds. */
interface WanCausalLayer {
  Tensor apply(Tensor x, FrameCache cache);
}
