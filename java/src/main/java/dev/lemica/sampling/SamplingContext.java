package dev.lemica.sampling;

import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * What a scheduler's {@code set_timesteps} needs besides the step count, as the pipeline that drives
 * it would pass it, and where a stochastic sampler's noise comes from. Immutable; each {@code with}
 * returns a changed copy. Entries a scheduler does not use are ignored.
 *
 * @param imageSeqLen the transformer's token count: with {@code use_dynamic_shifting}, mu =
 *     calculate_shift(imageSeqLen, base/max_image_seq_len, base/max_shift of the config) as the FLUX,
 *     Qwen-Image and Sana pipelines compute it
 * @param mu the time-shift mu itself (wins over imageSeqLen)
 * @param sigmas the sigmas the pipeline passes to {@code set_timesteps} (FLUX and Qwen-Image pass
 *     {@link #decreasingToOneOverN}); null for the scheduler's own
 * @param height Open-Sora: video height in pixels (0 when unknown)
 * @param width Open-Sora: video width in pixels
 * @param frames Open-Sora: frame count
 * @param conditioningDtype Open-Sora: dtype of the height/width/num_frames model kwargs the timestep
 *     transform computes in (the official v1.2 inference config runs bf16, which changes the
 *     timesteps; float32 by default)
 * @param noise step noise of stochastic samplers; null for a CPU generator seeded 0
 */
public record SamplingContext(
    Integer imageSeqLen,
    Double mu,
    double[] sigmas,
    int height,
    int width,
    int frames,
    ScalarType conditioningDtype,
    NoiseSource noise) {

  public static final SamplingContext NONE = new SamplingContext(null, null, null, 0, 0, 0, ScalarType.Float, null);

  public SamplingContext withImageSeqLen(int tokens) {
    return new SamplingContext(tokens, mu, sigmas, height, width, frames, conditioningDtype, noise);
  }

  public SamplingContext withMu(double value) {
    return new SamplingContext(imageSeqLen, value, sigmas, height, width, frames, conditioningDtype, noise);
  }

  public SamplingContext withSigmas(double[] values) {
    return new SamplingContext(imageSeqLen, mu, values.clone(), height, width, frames, conditioningDtype, noise);
  }

  public SamplingContext withVideo(int heightPixels, int widthPixels, int frameCount) {
    return new SamplingContext(imageSeqLen, mu, sigmas, heightPixels, widthPixels, frameCount, conditioningDtype, noise);
  }

  public SamplingContext withConditioningDtype(ScalarType dtype) {
    return new SamplingContext(imageSeqLen, mu, sigmas, height, width, frames, dtype, noise);
  }

  public SamplingContext withNoise(NoiseSource source) {
    return new SamplingContext(imageSeqLen, mu, sigmas, height, width, frames, conditioningDtype, source);
  }

  /** {@code np.linspace(1.0, 1/N, N)}: the sigmas the FLUX and Qwen-Image pipelines pass to set_timesteps. */
  public static double[] decreasingToOneOverN(int steps) {
    return Numpy.linspace(1.0, 1.0 / steps, steps);
  }
}
