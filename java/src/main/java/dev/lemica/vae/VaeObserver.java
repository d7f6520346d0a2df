package dev.lemica.vae;

import org.bytedeco.pytorch.Tensor;

/**
 * Sees a VAE's intermediate results as they are made, named as diffusers' module paths with the
 * chunk appended ({@code decoder.up_blocks.1.chunk2}, {@code encoder.mid_block.chunk0},
 * {@code post_quant_conv}): how ports are compared with the reference layer by layer. The tensor is
 * valid only during the call (it lives in the chunk's scope); clone and retain it to keep it.
 */
@FunctionalInterface
public interface VaeObserver {
  VaeObserver NONE = (name, value) -> {};

  void observe(String name, Tensor value);
}
