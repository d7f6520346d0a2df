package dev.lemica.vae;

import dev.lemica.model.ComputeTarget;
import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * A video VAE loaded from a diffusers {@code vae/} folder (see {@link Vaes}): videos (B, 3, F, H, W)
 * in [-1, 1] to latents (B, z, T, h, w) and back. Causal video VAEs map T latent frames to
 * {@code 1 + temporalFactor·(T − 1)} frames (the first latent frame is one frame, every later one
 * {@code temporalFactor}) and every latent pixel to {@code spatialFactor²} pixels. Image VAEs
 * ({@code AutoencoderKL}) have {@code temporalFactor} 1 and code every frame on its own; images are
 * one-frame videos (the {@code *Image} methods take and give (B, C, H, W)).
 *
 * <p>Two latent spaces: {@link #decode} and {@link #encode} work on the raw VAE latents; the
 * denoiser works on latents normalised the way the family's pipeline does it, which {@link
 * #denormalize} and {@link #normalize} convert to and from. {@link #decodeNormalized} is what a
 * pipeline calls on its final latents.
 *
 * <p>Outputs are float32 on the compute device, allocated in the caller's {@code PointerScope};
 * compute runs in the {@link ComputeTarget}'s dtype.
 */
public interface VideoAutoencoder extends AutoCloseable {
  /** The diffusers {@code _class_name} this implementation reproduces. */
  String className();

  ComputeTarget target();

  /** Latent channels ({@code z_dim}). */
  int latentChannels();

  /** Video frames per latent frame after the first (4 for Wan, 1 for image VAEs). */
  int temporalFactor();

  /** Pixels per latent pixel along each spatial axis (8 for Wan). */
  int spatialFactor();

  /** The number of video frames {@code latentFrames} latent frames decode to. */
  default long videoFrames(long latentFrames) {
    return 1 + (long) temporalFactor() * (latentFrames - 1);
  }

  /**
   * Raw VAE latents (B, z, T, h, w) to the video (B, out_channels, F, H, W), float32, exactly as the
   * family's diffusers {@code decode} gives it: clamped to [-1, 1] where it clamps (Wan, Qwen-Image),
   * unclamped where it does not ({@code AutoencoderKL}; its pipelines clamp in postprocessing).
   */
  Tensor decode(Tensor latents);

  /** The video (B, in_channels, F, H, W) in [-1, 1] to the posterior over raw latents. */
  DiagonalGaussian encode(Tensor video);

  /** The posterior mean of {@link #encode}: raw latents (B, z, T, h, w), float32. */
  default Tensor encodeMean(Tensor video) {
    return encode(video).mean();
  }

  /** Latents as the pipeline's denoiser holds them to raw VAE latents, exactly as its pipeline does before decoding. */
  Tensor denormalize(Tensor latents);

  /** Raw VAE latents (an encoder's output) to the denoiser's latent space: the inverse of {@link #denormalize}. */
  Tensor normalize(Tensor latents);

  /**
   * The final step of a text-to-video pipeline: the denoiser's latents to the video,
   * {@code decode(denormalize(latents))}.
   */
  default Tensor decodeNormalized(Tensor latents) {
    return decode(denormalize(latents));
  }

  /**
   * The final step of an image pipeline (FLUX, Qwen-Image): its denoiser's latents, unpacked (see
   * {@link LatentPacking}), to images (B, C, H, W), float32. Takes (B, z, h, w) as FluxPipeline
   * unpacks them, or (B, z, 1, h, w) as QwenImagePipeline does; decodes the one-frame video and
   * keeps its frame, as QwenImagePipeline's {@code [:, :, 0]} does.
   */
  default Tensor decodeNormalizedImage(Tensor latents) {
    return onlyFrame(decodeNormalized(asOneFrame(latents, "latents")));
  }

  /** Raw latents (B, z, h, w) or (B, z, 1, h, w) to images (B, C, H, W): {@link #decode} of a one-frame video. */
  default Tensor decodeImage(Tensor latents) {
    return onlyFrame(decode(asOneFrame(latents, "latents")));
  }

  /**
   * Images (B, C, H, W) in [-1, 1], or one-frame videos (B, C, 1, H, W), to the posterior over raw
   * latents (B, z, h, w): {@link #encode} of a one-frame video.
   */
  default DiagonalGaussian encodeImage(Tensor image) {
    DiagonalGaussian posterior = encode(asOneFrame(image, "image"));
    return new DiagonalGaussian(onlyFrame(posterior.mean()), onlyFrame(posterior.logvar()));
  }

  private static Tensor asOneFrame(Tensor images, String what) {
    if (images.dim() == 4) {
      return images.unsqueeze(2);
    }
    if (images.dim() == 5 && images.size(2) == 1) {
      return images;
    }
    throw new IllegalArgumentException(
        what + " " + Tensors.shapeString(images) + ": expected images (B, C, H, W) or one-frame videos (B, C, 1, H, W)");
  }

  private static Tensor onlyFrame(Tensor video) {
    return video.select(2, 0).contiguous();
  }

  /** Frees the weights. */
  @Override
  void close();
}
