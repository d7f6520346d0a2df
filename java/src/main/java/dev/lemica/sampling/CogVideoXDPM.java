package dev.lemica.sampling;

import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' CogVideoXDPMScheduler, a DPM-Solver++(2M)-style SDE step: with λ = log √(ᾱ/(1−ᾱ)) and
 * h = λ_prev − λ_t, x_prev = e^{−h}·√((1−ᾱ_prev)/(1−ᾱ_t))·x − (e^{−2h} − 1)·√ᾱ_prev·D + √(1−ᾱ_prev)·√(1−e^{−2h})·z,
 * with D = x0 at the first and last step and the second-order blend of this and the previous x0
 * elsewhere. The state carries the previous x0.
 *
 * <p>Stochastic: every step draws noise, and the second-order steps draw twice (the first draw only
 * feeds the first-order sample diffusers computes and discards; it is drawn, so a generator's
 * sequence stays Python's, but not used). The pipeline's eta is ignored, as by diffusers.
 */
public final class CogVideoXDPM extends AlphaScheduleSampler {
  public static final String CLASS_NAME = "CogVideoXDPMScheduler";
  private static final String PREVIOUS_X0 = "pred_original_sample";

  private final NoiseSource noise;

  private CogVideoXDPM(DiscreteSchedule schedule, PredictionType prediction, NoiseSource noise, String description) {
    super(schedule, prediction, description);
    this.noise = noise;
  }

  static CogVideoXDPM fromConfig(SchedulerConfig c, int steps, SamplingContext context) {
    DiscreteSchedule schedule = CogVideoXDDIM.readCogVideoX(c, steps);
    PredictionType prediction = prediction(c);
    c.warnUnread();
    NoiseSource noise = context.noise() != null ? context.noise() : NoiseSource.seeded(0);
    return new CogVideoXDPM(schedule, prediction, noise, CLASS_NAME + CogVideoXDDIM.describe(c, schedule, prediction));
  }

  @Override
  public boolean isStochastic() {
    return true;
  }

  @Override
  public NoiseSource noise() {
    return noise;
  }

  @Override
  public CogVideoXDPM withNoise(NoiseSource source) {
    return new CogVideoXDPM(schedule, prediction, source, describe());
  }

  private static double lambda(double alpha) {
    return Math.log(Math.sqrt(alpha / (1 - alpha)));
  }

  @Override
  SamplerState advance(SamplerState state, Tensor output) {
    int i = state.step();
    Tensor x = state.latents();
    double alphaT = schedule.alpha(i);
    double alphaPrev = schedule.alphaPrev(i);
    Tensor x0 = prediction.x0(output, x, Math.sqrt(alphaT), Math.sqrt(1 - alphaT));
    double lambdaT = lambda(alphaT);
    double h = lambda(alphaPrev) - lambdaT;
    double mult1 = Math.sqrt((1 - alphaPrev) / (1 - alphaT)) * Math.exp(-h);
    double mult2 = Math.expm1(-2 * h) * Math.sqrt(alphaPrev);
    double multNoise = Math.sqrt(1 - alphaPrev) * Math.sqrt(1 - Math.exp(-2 * h));
    Tensor previous = state.history(PREVIOUS_X0);
    Tensor first = noise.draw(i, 0, x);
    Tensor denoised = x0;
    Tensor z = first;
    if (previous != null && schedule.prevTimestep(i) >= 0) {
      // h_last = λ_t − λ(t_back), t_back the previous step's timestep; r = h_last / h.
      double r = (lambdaT - lambda(schedule.alpha(i - 1))) / h;
      double mult3 = 1 + 1 / (2 * r);
      double mult4 = 1 / (2 * r);
      denoised = x0.mul(new Scalar(mult3)).sub(previous.mul(new Scalar(mult4)));
      z = noise.draw(i, 1, x);
    }
    Tensor next = x.mul(new Scalar(mult1)).sub(denoised.mul(new Scalar(mult2))).add(z.mul(new Scalar(multNoise)));
    return SamplerState.of(i + 1, next, Map.of(PREVIOUS_X0, x0));
  }
}
