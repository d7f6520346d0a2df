package dev.lemica.sampling;

/**
 * The classifier-free guidance scale of each step: constant for most pipelines; CogVideoX's
 * {@code use_dynamic_cfg} varies it with the timestep ({@link DynamicGuidance}).
 */
@FunctionalInterface
public interface GuidanceScale {
  /** The scale at step {@code step}, whose model timestep is {@code timestep}. */
  double at(int step, double timestep);

  /** Whether this is the constant 1: no guidance, so only the cond branch runs. */
  default boolean isNone() {
    return false;
  }

  static GuidanceScale constant(double scale) {
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("--guidance must be a finite number, got " + scale);
    }
    return new GuidanceScale() {
      @Override
      public double at(int step, double timestep) {
        return scale;
      }

      @Override
      public boolean isNone() {
        return scale == 1.0;
      }

      @Override
      public String toString() {
        return Double.toString(scale);
      }
    };
  }
}
