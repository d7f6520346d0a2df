package dev.lemica.sampling;

/**
 * What the DDIM-type samplers share: integer timesteps over an ᾱ table, and the meaning of the
 * model output.
 */
abstract class AlphaScheduleSampler extends StepwiseSampler {
  final DiscreteSchedule schedule;
  final PredictionType prediction;

  AlphaScheduleSampler(DiscreteSchedule schedule, PredictionType prediction, String description) {
    super(timesteps(schedule), description);
    this.schedule = schedule;
    this.prediction = prediction;
  }

  private static double[] timesteps(DiscreteSchedule schedule) {
    double[] t = new double[schedule.steps()];
    for (int i = 0; i < t.length; i++) {
      t[i] = schedule.timestep(i);
    }
    return t;
  }

  /** ᾱ over the training timesteps (float32 values for DDIMScheduler, float64 for CogVideoX). */
  public double[] alphasCumprod() {
    return schedule.alphas().values();
  }

  /** The prediction types these schedulers take. */
  static PredictionType prediction(SchedulerConfig c) {
    return PredictionType.of(c, "epsilon", PredictionType.EPSILON, PredictionType.SAMPLE, PredictionType.V_PREDICTION);
  }
}
