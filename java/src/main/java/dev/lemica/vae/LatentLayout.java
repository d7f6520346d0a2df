package dev.lemica.vae;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Where a pipeline's denoiser keeps the frame axis of video latents. Every {@link VideoAutoencoder}
 * takes and gives them channels first; CogVideoX's transformer holds them frames first, and its
 * pipeline permutes before decoding ({@code decode_latents}: {@code latents.permute(0, 2, 1, 3, 4)})
 * and after encoding ({@code prepare_latents} of the image-to-video pipeline).
 */
public enum LatentLayout {
  /** (B, C, F, h, w): Wan, Open-Sora, and what every {@link VideoAutoencoder} takes. */
  CHANNELS_FIRST,
  /** (B, F, C, h, w): CogVideoX. */
  FRAMES_FIRST;

  /** A pipeline's latents in this layout to {@code vae}'s (B, C, F, h, w) (a view), checked against its channel count. */
  public Tensor toVae(Tensor latents, VideoAutoencoder vae) {
    int channels = vae.latentChannels();
    int axis = this == CHANNELS_FIRST ? 1 : 2;
    if (latents.dim() != 5 || latents.size(axis) != channels) {
      throw new IllegalArgumentException(
          "latents " + Tensors.shapeString(latents) + ": " + vae.className() + " expects " + describe(channels)
              + ", as its pipelines hold them");
    }
    return this == CHANNELS_FIRST ? latents : latents.permute(0, 2, 1, 3, 4);
  }

  /** The VAE's (B, C, F, h, w) latents to this layout (a view). */
  public Tensor fromVae(Tensor latents) {
    return this == CHANNELS_FIRST ? latents : latents.permute(0, 2, 1, 3, 4);
  }

  /** The layout in words, e.g. {@code (B, F, 16, h, w)}. */
  public String describe(int channels) {
    return this == CHANNELS_FIRST ? "(B, " + channels + ", F, h, w)" : "(B, F, " + channels + ", h, w)";
  }
}
