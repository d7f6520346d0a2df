package dev.lemica.sampling;

import java.util.Locale;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Flow-matching Euler: x ← x + (σ_{i+1} − σ_i)·v, diffusers' FlowMatchEulerDiscreteScheduler (and
 * the embedded model's sampler, the same step over its own float64 sigmas). Latents stay in float32
 * whatever the compute dtype, so bf16 errors do not accumulate over the steps.
 */
public final class FlowMatchEuler extends StepwiseSampler {
  public static final String CLASS_NAME = "FlowMatchEulerDiscreteScheduler";
  /** What the embedded model's scheduler.json calls its sampler. */
  public static final String EMBEDDED_NAME = "flow-matching-euler";

  private final FlowMatchSigmas sigmas;

  public FlowMatchEuler(FlowMatchSigmas sigmas, String description) {
    super(sigmas.timesteps(), description);
    this.sigmas = sigmas;
  }

  /** The embedded model's sampler: {@link FlowMatchSigmas#shifted}. */
  public FlowMatchEuler(int steps, double shift) {
    this(FlowMatchSigmas.shifted(steps, shift), EMBEDDED_NAME + "(shift " + shift + ")");
  }

  public FlowMatchSigmas sigmas() {
    return sigmas;
  }

  @Override
  SamplerState advance(SamplerState state, Tensor velocity) {
    int i = state.step();
    return SamplerState.of(i + 1, state.latents().add(velocity, new Scalar(sigmas.delta(i))));
  }

  /**
   * diffusers' FlowMatchEulerDiscreteScheduler for {@code steps} steps, with set_timesteps called as
   * the context says (the pipeline's sigmas and mu, or the scheduler's own schedule).
   */
  static FlowMatchEuler fromConfig(SchedulerConfig c, int steps, SamplingContext context) {
    int train = c.integer("num_train_timesteps", 1000);
    double shift = c.number("shift", 1.0);
    boolean dynamic = c.bool("use_dynamic_shifting", false);
    String timeShift = c.choice("time_shift_type", "exponential", "exponential", "linear");
    Double terminal = c.optionalNumber("shift_terminal");
    for (String k : new String[] {"invert_sigmas", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "stochastic_sampling"}) {
      c.require(k, false);
    }
    Double mu = dynamicMu(c, dynamic, context);
    c.warnUnread();

    double[] s;
    boolean f32;
    if (context.sigmas() != null) {
      if (context.sigmas().length != steps) {
        throw c.fault(context.sigmas().length + " sigmas passed for " + steps + " steps");
      }
      s = new double[steps];
      for (int i = 0; i < steps; i++) {
        s[i] = (float) context.sigmas()[i];
      }
      f32 = true;
    } else {
      // __init__ shifts its 1000 training sigmas (float32 torch) unless shifting is dynamic, and
      // set_timesteps spans [sigma_min, sigma_max] of those: with a static shift the schedule is
      // shifted twice (diffusers' behaviour for Wan; not Wan's own linspace(1, 0) schedule).
      float last = (float) 1 / (float) train;
      float sigmaMin = dynamic ? last : ((float) shift * last) / (1f + (float) (shift - 1) * last);
      double[] t = Numpy.linspace(1.0 * train, (double) sigmaMin * train, steps);
      s = new double[steps];
      for (int i = 0; i < steps; i++) {
        s[i] = t[i] / train;
      }
      f32 = false;
    }
    s = dynamic ? FlowShifts.timeShift(timeShift, mu, s, f32) : FlowShifts.shift(s, shift, f32);
    if (terminal != null && terminal != 0) {
      s = FlowShifts.stretchToTerminal(s, terminal, f32);
    }
    String settings = dynamic
        ? String.format(Locale.ROOT, "dynamic %s shift, mu %s", timeShift, mu)
        : "shift " + shift;
    if (terminal != null && terminal != 0) {
      settings += ", shift_terminal " + terminal;
    }
    return new FlowMatchEuler(FlowMatchSigmas.float32(s, train), CLASS_NAME + "(" + settings + ")");
  }

  /** mu for dynamic shifting: given, or from the image sequence length; null without dynamic shifting. */
  static Double dynamicMu(SchedulerConfig c, boolean dynamic, SamplingContext context) {
    double baseSeq = c.number("base_image_seq_len", 256);
    double maxSeq = c.number("max_image_seq_len", 4096);
    double baseShift = c.number("base_shift", 0.5);
    double maxShift = c.number("max_shift", 1.15);
    if (!dynamic) {
      return null;
    }
    if (context.mu() != null) {
      return context.mu();
    }
    if (context.imageSeqLen() == null) {
      throw c.fault("use_dynamic_shifting needs mu: give the image sequence length (or mu) the pipeline passes");
    }
    return FlowShifts.calculateShift(context.imageSeqLen(), baseSeq, maxSeq, baseShift, maxShift);
  }
}
