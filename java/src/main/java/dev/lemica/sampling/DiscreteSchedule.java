package dev.lemica.sampling;

/**
 * The integer timesteps of the DDIM-type schedulers ({@code timestep_spacing} linspace, leading or
 * trailing over {@code num_train_timesteps}), ᾱ at each, and the step's target: these schedulers
 * step from t to prev_t = t − T // N, which is not the next entry of the schedule when N does not
 * divide T (then the last prev_t can be ≥ 0 and ᾱ[prev_t] is used instead of the final ᾱ).
 */
final class DiscreteSchedule {
  private final long[] timesteps;
  private final int train;
  private final AlphasCumprod alphas;
  private final double finalAlpha;
  private final String spacing;

  private DiscreteSchedule(long[] timesteps, int train, AlphasCumprod alphas, double finalAlpha, String spacing) {
    this.timesteps = timesteps;
    this.train = train;
    this.alphas = alphas;
    this.finalAlpha = finalAlpha;
    this.spacing = spacing;
  }

  static DiscreteSchedule read(SchedulerConfig c, int steps, AlphasCumprod alphas, String defaultSpacing) {
    int train = c.integer("num_train_timesteps", 1000);
    if (steps > train) {
      throw c.fault(steps + " steps is more than num_train_timesteps " + train);
    }
    String spacing = c.choice("timestep_spacing", defaultSpacing, "linspace", "leading", "trailing");
    int offset = c.integer("steps_offset", 0);
    long[] t = new long[steps];
    switch (spacing) {
      case "linspace" -> {
        double[] v = Numpy.linspace(0, train - 1, steps);
        for (int i = 0; i < steps; i++) {
          t[i] = (long) Math.rint(v[steps - 1 - i]);
        }
      }
      case "leading" -> {
        int ratio = train / steps;
        for (int i = 0; i < steps; i++) {
          t[i] = (long) (steps - 1 - i) * ratio + offset;
        }
      }
      default -> {
        double[] v = Numpy.arange(train, 0, -((double) train / steps));
        if (v.length != steps) {
          throw c.fault("trailing spacing gives " + v.length + " timesteps for " + steps + " steps");
        }
        for (int i = 0; i < steps; i++) {
          t[i] = (long) Math.rint(v[i]) - 1;
        }
      }
    }
    // set_alpha_to_one: the step past t = 0 lands on ᾱ = 1 (a float32 1.0), else on ᾱ_0.
    double last = c.bool("set_alpha_to_one", true) ? 1.0 : alphas.at(0);
    return new DiscreteSchedule(t, train, alphas, last, spacing);
  }

  int steps() {
    return timesteps.length;
  }

  long timestep(int i) {
    return timesteps[i];
  }

  long prevTimestep(int i) {
    return timesteps[i] - train / timesteps.length;
  }

  /** ᾱ at step i's timestep. */
  double alpha(int i) {
    return alphas.at(timesteps[i]);
  }

  /** ᾱ at step i's target prev_t, the final ᾱ below 0. */
  double alphaPrev(int i) {
    long prev = prevTimestep(i);
    return prev >= 0 ? alphas.at(prev) : finalAlpha;
  }

  AlphasCumprod alphas() {
    return alphas;
  }

  String spacing() {
    return spacing;
  }
}
