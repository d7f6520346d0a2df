package dev.lemica.vae;

import dev.lemica.model.ComputeTarget;
import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * A video VAE loaded from a diffusers {@code vae/} folder (see {@link Vaes}): videos (B, 3, F, H, W)
 * in [-1, 1] to latents (B, z, T, h, w) and back. Every latent pixel becomes {@code spatialFactor²}
 * pixels. How many frames T latent frames become is the family's: {@link #videoFrames} says it (Wan:
 * {@code 1 + 4·(T − 1)}; CogVideoX: that for odd T, {@code 4·T} for even T; Open-Sora: a range,
 * from which the pipeline picks with {@link #decode(Tensor, long)}).
 * Image VAEs ({@code AutoencoderKL}) have {@code temporalFactor} 1 and code every frame on its own;
 * images are one-frame videos (the {@code *Image} methods take and give (B, C, H, W)).
 *
 * <p>Two latent spaces: {@link #decode} and {@link #encode} work on the raw VAE latents; the
 * denoiser works on latents normalised the way the family's pipeline does it, which {@link
 * #denormalize} and {@link #normalize} convert to and from. {@link #decodeNormalized} is what a
 * pipeline calls on its final latents. Every method here takes and gives latents channels first,
 * (B, z, T, h, w); a pipeline whose denoiser holds them frames first converts with its {@link
 * #pipelineLayout()}.
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

  /**
   * The number of video frames {@code latentFrames} latent frames decode to with {@link
   * #decode(Tensor)}: {@code 1 + temporalFactor·(T − 1)} unless the family says otherwise.
   */
  default long videoFrames(long latentFrames) {
    return 1 + (long) temporalFactor() * (latentFrames - 1);
  }

  /**
   * The fewest video frames {@code latentFrames} latent frames can decode to with {@link
   * #decode(Tensor, long)}; {@link #videoFrames} is the most. The same number for VAEs whose decoder
   * fixes the count; Open-Sora's crops its output to the frame count the pipeline asks for.
   */
  default long fewestVideoFrames(long latentFrames) {
    return videoFrames(latentFrames);
  }

  /** The layout the family's pipelines hold latents in; {@link LatentLayout#toVae} converts. */
  default LatentLayout pipelineLayout() {
    return LatentLayout.CHANNELS_FIRST;
  }

  /**
   * Raw VAE latents (B, z, T, h, w) to the video (B, out_channels, F, H, W), F = {@link
   * #videoFrames}(T), float32, as the family's reference decode returns it: Wan's {@code _decode}
   * and Qwen-Image's clamp to [-1, 1]; AutoencoderKL's, CogVideoX's and Open-Sora's do not (their pipelines' postprocessing, {@link
   * VideoPostprocess#toFrames}, clamps).
   */
  Tensor decode(Tensor latents);

  /**
   * {@link #decode(Tensor)} to exactly {@code frames} frames, which must lie in [{@link
   * #fewestVideoFrames}, {@link #videoFrames}] of the latents' frame count: what a pipeline calls with
   * the frame count it was asked for.
   */
  default Tensor decode(Tensor latents, long frames) {
    if (latents.dim() == 5) {
      checkFrameCount(latents.size(2), frames);
    }
    return decode(latents);
  }

  /** The video (B, in_channels, F, H, W) in [-1, 1] to the posterior over raw latents. */
  DiagonalGaussian encode(Tensor video);

  /** The posterior mean of {@link #encode}: raw latents (B, z, T, h, w), float32. */
  default Tensor encodeMean(Tensor video) {
    return encode(video).mean();
  }

  /** Latents as the pipeline's denoiser holds them to raw VAE latents, exactly as its pipeline does before decoding. */
  Tensor denormalize(Tensor latents);

  /**
   * Raw VAE latents (an encoder's output) to the denoiser's latent space, as the family's
   * image-to-video or video-to-video pipelines do it: the inverse of {@link #denormalize}, except
   * where the released pipeline is not (CogVideoX 1.5's {@code invert_scale_latents}).
   */
  Tensor normalize(Tensor latents);

  /**
   * The final step of a text-to-video pipeline: the denoiser's latents to the video,
   * {@code decode(denormalize(latents))}.
   */
  default Tensor decodeNormalized(Tensor latents) {
    return decode(denormalize(latents));
  }

  /** {@link #decodeNormalized(Tensor)} to exactly {@code frames} frames (see {@link #decode(Tensor, long)}). */
  default Tensor decodeNormalized(Tensor latents, long frames) {
    return decode(denormalize(latents), frames);
  }

  /** Refuses a frame count the latents cannot decode to, naming the range that can. */
  default void checkFrameCount(long latentFrames, long frames) {
    long fewest = fewestVideoFrames(latentFrames);
    long most = videoFrames(latentFrames);
    if (frames < fewest || frames > most) {
      String range = fewest == most ? String.valueOf(most) : fewest + " to " + most;
      throw new IllegalArgumentException(
          frames + " frames: " + className() + " decodes " + latentFrames + " latent frames to " + range + " frames");
    }
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
