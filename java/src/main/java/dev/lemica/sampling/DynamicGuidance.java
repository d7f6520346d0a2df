package dev.lemica.sampling;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * CogVideoXPipeline's {@code use_dynamic_cfg=True} (as CogVideoX 1.5 is sampled by its CLI and by
 * TeaCache4CogVideoX1.5): at timestep t of N inference steps the scale is
 * {@code 1 + g·(1 − cos(π·((N − t)/N)^5))/2}. t is the timestep (999, 874, ...), not the step
 * index, as diffusers writes it, so the base is far outside [0, 1] and the scale is effectively
 * pseudo-random in [1, 1 + g]; evaluated in float64 with the fifth power correctly rounded (CPython's
 * {@code **} gives that; {@code Math.pow} may not on every platform), as the golden's notes require.
 */
public final class DynamicGuidance implements GuidanceScale {
  private final double scale;
  private final int steps;

  /**
   * @param scale the pipeline's guidance_scale g
   * @param steps num_inference_steps N
   */
  public DynamicGuidance(double scale, int steps) {
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("--guidance must be a finite number, got " + scale);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("dynamic CFG needs at least one step, got " + steps);
    }
    this.scale = scale;
    this.steps = steps;
  }

  @Override
  public double at(int step, double timestep) {
    double x = (steps - timestep) / steps;
    double fifth = new BigDecimal(x).pow(5, MathContext.UNLIMITED).doubleValue();
    return 1 + scale * ((1 - Math.cos(Math.PI * fifth)) / 2);
  }

  @Override
  public String toString() {
    return "dynamic " + scale;
  }
}
