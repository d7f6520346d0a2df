package dev.lemica.sampling;

import org.bytedeco.pytorch.Tensor;

/**
 * Where a stochastic sampler's step noise comes from. Draws are addressed by step and by their
 * order within the step, so that a recorded run can be replayed from any step (calibration restarts
 * trajectories in the middle, and must see the noise the reference run saw there).
 */
public interface NoiseSource {
  /**
   * Standard normal noise for draw {@code draw} (0, 1, ...) of step {@code step}: float32, with the
   * shape and on the device of {@code like}.
   */
  Tensor draw(int step, int draw, Tensor like);

  /** A CPU generator seeded like {@code torch.Generator("cpu").manual_seed(seed)}. */
  static GeneratorNoise seeded(long seed) {
    return new GeneratorNoise(seed);
  }
}
