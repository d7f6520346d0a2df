package dev.lemica.sampling;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The plain classifier-free guidance rule {@code uncond + g·(cond − uncond)}, in that order of
 * operations as diffusers' pipelines write it.
 */
public record ClassifierFreeGuidance(double scale) implements Guidance {
  public ClassifierFreeGuidance {
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("--guidance must be a finite number, got " + scale);
    }
  }

  @Override
  public boolean guided() {
    return scale != 1.0;
  }

  @Override
  public Tensor combine(Tensor uncond, Tensor cond, int step, double timestep) {
    return uncond.add(cond.sub(uncond), new Scalar(scale));
  }

  @Override
  public String describe() {
    return guided() ? "cfg " + scale : "no cfg";
  }
}
