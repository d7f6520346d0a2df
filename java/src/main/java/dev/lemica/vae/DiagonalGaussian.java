package dev.lemica.vae;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The posterior a KL autoencoder's encoder gives, diffusers' {@code DiagonalGaussianDistribution}:
 * per latent element a normal with this mean and log-variance (clamped to [-30, 20]). Pipelines that
 * condition on a video (image-to-video, video-to-video) use the mean ({@code sample_mode="argmax"}).
 * Both float32, (B, z, T, h, w).
 */
public record DiagonalGaussian(Tensor mean, Tensor logvar) {
  /** The encoder's moments (B, 2z, ...): mean the first z channels, log-variance the rest, clamped, as diffusers' constructor splits them. */
  public static DiagonalGaussian fromMoments(Tensor moments) {
    long z = moments.size(1) / 2;
    Tensor mean = moments.narrow(1, 0, z).contiguous();
    Tensor logvar = moments.narrow(1, z, z).clamp(new ScalarOptional(new Scalar(-30.0)), new ScalarOptional(new Scalar(20.0)));
    return new DiagonalGaussian(mean, logvar);
  }

  /** {@code mean + exp(logvar / 2) · noise}: the posterior's {@code sample()} with the given standard-normal noise. */
  public Tensor sample(Tensor noise) {
    return mean.add(logvar.mul(new Scalar(0.5)).exp().mul(noise));
  }
}
