package dev.lemica.vae;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The 2×2 patch packing of image latents into transformer tokens that FluxPipeline and
 * QwenImagePipeline share ({@code _pack_latents} / {@code _unpack_latents}, the same lines in both
 * files): latents (B, C, h, w) become (B, (h/2)·(w/2), 4C) tokens, token {@code n = i·(w/2) + j} in
 * row-major order over the patch grid, and its channel {@code k = 4c + 2·dy + dx} is latent pixel
 * {@code [c, 2i + dy, 2j + dx]}. The FLUX and Qwen-Image transformers take these tokens; their VAEs
 * take the unpacked latents (Qwen-Image's with a frame axis of 1, which {@link
 * VideoAutoencoder#decodeNormalizedImage} accepts either way).
 */
public final class LatentPacking {
  private LatentPacking() {}

  /**
   * The latent height (or width) for {@code pixels} image pixels: {@code 2·(pixels / (2·vaeScaleFactor))},
   * the pipelines' rounding down to a whole number of 2×2 patches (pixel sizes that are not
   * multiples of {@code 2·vaeScaleFactor} lose their remainder, as in diffusers).
   */
  public static long latentSize(long pixels, int vaeScaleFactor) {
    if (pixels < 1 || vaeScaleFactor < 1) {
      throw new IllegalArgumentException("latent size of " + pixels + " pixels at VAE scale factor " + vaeScaleFactor + ": both must be positive");
    }
    return 2 * (pixels / (2L * vaeScaleFactor));
  }

  /** Latents (B, C, h, w) with h and w even to tokens (B, (h/2)·(w/2), 4C): {@code _pack_latents}. */
  public static Tensor pack(Tensor latents) {
    if (latents.dim() != 4 || latents.size(2) % 2 != 0 || latents.size(3) % 2 != 0) {
      throw new IllegalArgumentException(
          "latents " + Tensors.shapeString(latents) + ": packing takes (B, C, h, w) with h and w even");
    }
    long b = latents.size(0);
    long c = latents.size(1);
    long h = latents.size(2);
    long w = latents.size(3);
    return latents.reshape(b, c, h / 2, 2, w / 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h / 2) * (w / 2), c * 4);
  }

  /**
   * Tokens (B, N, 4C) of an image of {@code height} × {@code width} pixels back to latents (B, C, h, w),
   * {@code h = latentSize(height)}, {@code w = latentSize(width)}: {@code _unpack_latents} (without
   * Qwen-Image's frame axis).
   */
  public static Tensor unpack(Tensor tokens, long height, long width, int vaeScaleFactor) {
    long h = latentSize(height, vaeScaleFactor);
    long w = latentSize(width, vaeScaleFactor);
    if (tokens.dim() != 3 || tokens.size(1) != (h / 2) * (w / 2) || tokens.size(2) % 4 != 0 || h == 0 || w == 0) {
      throw new IllegalArgumentException(
          "packed latents " + Tensors.shapeString(tokens) + ": a " + height + "x" + width + " image at VAE scale factor "
              + vaeScaleFactor + " packs to (B, " + (h / 2) * (w / 2) + ", 4C) tokens of its " + h + "x" + w + " latents");
    }
    long b = tokens.size(0);
    long c = tokens.size(2) / 4;
    return tokens.reshape(b, h / 2, w / 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w);
  }
}
