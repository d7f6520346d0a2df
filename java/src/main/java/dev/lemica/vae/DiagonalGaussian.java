package dev.lemica.vae;

import org.bytedeco.pytorch.Tensor;

/**
 * The posterior a KL autoencoder's encoder gives, diffusers' {@code DiagonalGaussianDistribution}:
 * per latent element a normal with this mean and log-variance (clamped to [-30, 20]). Pipelines that
 * condition on a video (image-to-video, video-to-video) use the mean ({@code sample_mode="argmax"}).
 * Both float32, (B, z, T, h, w).
 */
public record DiagonalGaussian(Tensor mean, Tensor logvar) {}
