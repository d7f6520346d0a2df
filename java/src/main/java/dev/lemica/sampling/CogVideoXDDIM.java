package dev.lemica.sampling;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' CogVideoXDDIMScheduler: deterministic DDIM in its two-coefficient form
 * x_prev = A·x + B·x0 with A = √((1 − ᾱ_prev)/(1 − ᾱ_t)), B = √ᾱ_prev − √ᾱ_t·A, over the
 * SNR-shifted, zero-terminal-SNR float64 table (ᾱ_999 = 0, where x0 = −v). Scalars are float64,
 * rounded to float32 where they meet the latents, as torch promotes them.
 */
public final class CogVideoXDDIM extends AlphaScheduleSampler {
  public static final String CLASS_NAME = "CogVideoXDDIMScheduler";

  private CogVideoXDDIM(DiscreteSchedule schedule, PredictionType prediction, String description) {
    super(schedule, prediction, description);
  }

  static CogVideoXDDIM fromConfig(SchedulerConfig c, int steps, SamplingContext context) {
    DiscreteSchedule schedule = readCogVideoX(c, steps);
    PredictionType prediction = prediction(c);
    c.warnUnread();
    return new CogVideoXDDIM(schedule, prediction, CLASS_NAME + describe(c, schedule, prediction));
  }

  /** The schedule both CogVideoX schedulers read; clip_sample and its range are accepted and, as in diffusers' step, unused. */
  static DiscreteSchedule readCogVideoX(SchedulerConfig c, int steps) {
    AlphasCumprod alphas = AlphasCumprod.cogVideoX(c);
    DiscreteSchedule schedule = DiscreteSchedule.read(c, steps, alphas, "leading");
    for (String k : new String[] {"clip_sample", "clip_sample_range", "sample_max_value"}) {
      c.has(k);
    }
    return schedule;
  }

  static String describe(SchedulerConfig c, DiscreteSchedule schedule, PredictionType prediction) {
    return "(" + prediction.configName() + ", " + schedule.spacing() + ", snr_shift_scale " + c.number("snr_shift_scale", 3.0)
        + (c.bool("rescale_betas_zero_snr", false) ? ", zero terminal SNR" : "") + ")";
  }

  @Override
  SamplerState advance(SamplerState state, Tensor output) {
    int i = state.step();
    Tensor x = state.latents();
    double alphaT = schedule.alpha(i);
    double alphaPrev = schedule.alphaPrev(i);
    Tensor x0 = prediction.x0(output, x, Math.sqrt(alphaT), Math.sqrt(1 - alphaT));
    double a = Math.sqrt((1 - alphaPrev) / (1 - alphaT));
    double b = Math.sqrt(alphaPrev) - Math.sqrt(alphaT) * a;
    return SamplerState.of(i + 1, x.mul(new Scalar(a)).add(x0.mul(new Scalar(b))));
  }
}
