package dev.lemica.sampling;

import java.math.BigDecimal;
import java.math.MathContext;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * CogVideoXPipeline's {@code use_dynamic_cfg=True} (as CogVideoX 1.5 is sampled by its CLI and by
 * TeaCache4CogVideoX1.5): the plain CFG rule with a scale that follows the timestep. At timestep t
 * of N inference steps the scale is {@code 1 + g·(1 − cos(π·((N − t)/N)^5))/2}. t is the timestep
 * (999, 874, ...), not the step index, as diffusers writes it, so the base is far outside [0, 1] and
 * the scale is effectively pseudo-random in [1, 1 + g]; evaluated in float64 with the fifth power
 * correctly rounded (CPython's {@code **} gives that; {@code Math.pow} may not on every platform), as
 * the golden's notes require.
 */
public final class DynamicGuidance implements Guidance {
  private final double scale;
  private final int steps;

  /**
   * @param scale the pipeline's guidance_scale g; as in diffusers, g ≤ 1 runs the cond branch only
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

  /** The scale this rule applies at {@code timestep} (the step index does not enter). */
  public double scaleAt(double timestep) {
    double x = (steps - timestep) / steps;
    double fifth = new BigDecimal(x).pow(5, MathContext.UNLIMITED).doubleValue();
    return 1 + scale * ((1 - Math.cos(Math.PI * fifth)) / 2);
  }

  /** diffusers decides on the base scale ({@code guidance_scale > 1}), not on the per-step one. */
  @Override
  public boolean guided() {
    return scale > 1.0;
  }

  @Override
  public Tensor combine(Tensor uncond, Tensor cond, int step, double timestep) {
    return uncond.add(cond.sub(uncond), new Scalar(scaleAt(timestep)));
  }

  @Override
  public String describe() {
    return guided() ? "dynamic cfg " + scale : "no cfg";
  }
}
