package dev.lemica.vae.cogvideox;

import org.bytedeco.pytorch.Tensor;

/**
 * A resnet norm of the CogVideoX VAE: the decoder's spatial norm reads the group's latents {@code zq};
 * the encoder's GroupNorm ignores them (they are null there).
 */
@FunctionalInterface
interface ConditionedNorm {
  Tensor apply(Tensor x, Tensor zq);
}
