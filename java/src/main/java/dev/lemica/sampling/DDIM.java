package dev.lemica.sampling;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' DDIMScheduler with eta = 0 (the deterministic DDIM Latte samples with): x0 from the
 * model output, then x_prev = √ᾱ_prev·x0 + √(1 − ᾱ_prev)·ε. Its ᾱ table and every scalar are
 * float32, as in diffusers. Latte's learned-sigma channels are the pipeline's to drop.
 */
public final class DDIM extends AlphaScheduleSampler {
  public static final String CLASS_NAME = "DDIMScheduler";

  private final Double clipRange;

  private DDIM(DiscreteSchedule schedule, PredictionType prediction, Double clipRange, String description) {
    super(schedule, prediction, description);
    this.clipRange = clipRange;
  }

  static DDIM fromConfig(SchedulerConfig c, int steps, SamplingContext context) {
    AlphasCumprod alphas = AlphasCumprod.ddim(c);
    DiscreteSchedule schedule = DiscreteSchedule.read(c, steps, alphas, "leading");
    PredictionType prediction = prediction(c);
    c.require("thresholding", false);
    boolean clip = c.bool("clip_sample", true);
    double range = c.number("clip_sample_range", 1.0);
    c.has("dynamic_thresholding_ratio");
    c.has("sample_max_value");
    c.warnUnread();
    String d = CLASS_NAME + "(" + prediction.configName() + ", " + schedule.spacing() + (clip ? ", clip " + range : "") + ", eta 0)";
    return new DDIM(schedule, prediction, clip ? range : null, d);
  }

  @Override
  SamplerState advance(SamplerState state, Tensor output) {
    int i = state.step();
    Tensor x = state.latents();
    float alphaT = (float) schedule.alpha(i);
    float alphaPrev = (float) schedule.alphaPrev(i);
    float betaT = 1f - alphaT;
    float rootAlpha = (float) Math.sqrt(alphaT);
    float rootBeta = (float) Math.sqrt(betaT);
    Tensor x0 = prediction.x0(output, x, rootAlpha, rootBeta);
    Tensor epsilon = prediction == PredictionType.EPSILON ? output : prediction.epsilon(output, x, rootAlpha, rootBeta);
    if (clipRange != null) {
      x0 = x0.clamp(new org.bytedeco.pytorch.ScalarOptional(new Scalar(-clipRange)), new org.bytedeco.pytorch.ScalarOptional(new Scalar(clipRange)));
    }
    // eta = 0: no variance term, so √(1 − ᾱ_prev − 0) is the whole direction coefficient.
    float direction = (float) Math.sqrt(1f - alphaPrev - 0f);
    Tensor next = x0.mul(new Scalar((float) Math.sqrt(alphaPrev))).add(epsilon.mul(new Scalar(direction)));
    return SamplerState.of(i + 1, next);
  }
}
