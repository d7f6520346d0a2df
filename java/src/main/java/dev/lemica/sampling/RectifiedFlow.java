package dev.lemica.sampling;

import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Open-Sora 1.2's RFLOW sampler (opensora/schedulers/rf, not a diffusers scheduler): timesteps
 * t_i = (1 − i/N)·1000, optionally moved by the resolution- and length-dependent transform
 * t' = r·t / (1 + (r − 1)·t) with r = √(h·w / 512²)·√(⌊frames/17⌋·5); then z ← z + v·(t_i − t_{i+1})/1000
 * (a plus: Open-Sora's v points from noise to data), the last step going to t = 0.
 *
 * <p>The transform runs as Open-Sora runs it, in torch ops on the height/width/num_frames model
 * kwargs, whose dtype changes the result: the official v1.2 inference config passes them in bf16
 * (see {@link SamplingContext#conditioningDtype}).
 */
public final class RectifiedFlow extends StepwiseSampler {
  public static final String CLASS_NAME = "RFLOW";

  private final float[] dt;
  private final float[] timesteps;
  private final int numTimesteps;
  private final String description;
  /** Whether steps run as under scripts/inference.py's all-ones temporal mask (see {@link #withTemporalMask}). */
  private final boolean temporalMask;

  private RectifiedFlow(float[] timesteps, int numTimesteps, String description) {
    this(timesteps, numTimesteps, description, false);
  }

  private RectifiedFlow(float[] timesteps, int numTimesteps, String description, boolean temporalMask) {
    super(doubles(timesteps), description);
    this.timesteps = timesteps.clone();
    this.numTimesteps = numTimesteps;
    this.description = description;
    this.temporalMask = temporalMask;
    this.dt = new float[timesteps.length];
    for (int i = 0; i < timesteps.length; i++) {
      float next = i + 1 < timesteps.length ? timesteps[i + 1] : 0f;
      dt[i] = (timesteps[i] - next) / (float) numTimesteps;
    }
  }

  private static double[] doubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** RFLOW from its init arguments (the golden's scheduler_config.json, or Open-Sora's inference config as JSON). */
  static RectifiedFlow fromConfig(SchedulerConfig c, int steps, SamplingContext context) {
    int numTimesteps = c.integer("num_timesteps", 1000);
    boolean discrete = c.bool("use_discrete_timesteps", false);
    boolean transform = c.bool("use_timestep_transform", false);
    c.integer("num_sampling_steps", steps);
    c.number("cfg_scale", 4.0);
    String type = c.text("type", "rflow");
    if (!type.equals("rflow")) {
      throw c.unsupported("type", "\"" + type + "\"", "rflow");
    }
    // RFlowScheduler's training arguments (how t is drawn, the training transform scale): unused when sampling.
    for (String k : new String[] {"sample_method", "loc", "scale", "transform_scale", "scheduler_kwargs_defaults"}) {
      c.has(k);
    }
    c.warnUnread();
    if (transform && (context.height() <= 0 || context.width() <= 0 || context.frames() <= 0)) {
      throw c.fault("use_timestep_transform needs the video's height, width and frame count (the pipeline's model kwargs)");
    }
    float[] t = new float[steps];
    try (PointerScope scope = new PointerScope()) {
      for (int i = 0; i < steps; i++) {
        double raw = (1.0 - (double) i / steps) * numTimesteps;
        if (discrete) {
          raw = Math.rint(raw);
        }
        Tensor ti = full(raw, ScalarType.Float);
        t[i] = transform ? transform(ti, context, numTimesteps).item_float() : ti.item_float();
      }
    }
    String d = transform
        ? String.format(Locale.ROOT, "%s(timestep transform %dx%d, %d frames, %s kwargs%s)", CLASS_NAME, context.height(), context.width(),
            context.frames(), dtypeName(context.conditioningDtype()), discrete ? ", discrete" : "")
        : CLASS_NAME + (discrete ? "(discrete)" : "");
    return new RectifiedFlow(t, numTimesteps, d);
  }

  /** rectified_flow.timestep_transform at v1.2.0, with scale 1 as RFLOW.sample calls it. */
  private static Tensor transform(Tensor t, SamplingContext context, int numTimesteps) {
    ScalarType kw = context.conditioningDtype();
    Tensor scaled = t.div(new Scalar(numTimesteps));
    Tensor resolution = full(context.height(), kw).mul(full(context.width(), kw));
    Tensor ratioSpace = resolution.div(new Scalar(512 * 512)).sqrt();
    Tensor frames = full(context.frames(), kw);
    Tensor temporal = context.frames() == 1 ? torch.ones_like(frames) : frames.floor_divide(new Scalar(17)).mul(new Scalar(5));
    Tensor ratioTime = temporal.div(new Scalar(1)).sqrt();
    Tensor ratio = ratioSpace.mul(ratioTime).mul(new Scalar(1.0));
    Tensor moved = ratio.mul(scaled).div(ratio.sub(new Scalar(1)).mul(scaled).add(new Scalar(1)));
    return moved.mul(new Scalar(numTimesteps));
  }

  private static Tensor full(double value, ScalarType dtype) {
    return torch.full(new long[] {1}, new Scalar(value), new DimnameListOptional(), new TensorOptions(dtype));
  }

  private static String dtypeName(ScalarType t) {
    return t.value == ScalarType.BFloat16.value ? "bf16" : t.value == ScalarType.Half.value ? "fp16" : "fp32";
  }

  /** The update's dt at each step: (t_i − t_{i+1})/1000, the last t_{N−1}/1000 (float32). */
  public float[] dt() {
    return dt.clone();
  }

  /**
   * This sampler as Open-Sora's scripts/inference.py drives it: text-to-video passes RFLOW.sample an
   * all-ones temporal mask, under which a step whose timestep exceeds num_timesteps (mask·1000 ≥ t
   * fails) keeps z as it was, the model output discarded. The float32 transform can push t_0 just
   * over 1000 (e.g. 24x40 pixels, 36 frames: 1000.0001), so step 0 then changes nothing; at every
   * other size the steps are those of {@code RFLOW.sample} without a mask.
   */
  public RectifiedFlow withTemporalMask() {
    return new RectifiedFlow(timesteps, numTimesteps, description, true);
  }

  @Override
  SamplerState advance(SamplerState state, Tensor velocity) {
    int i = state.step();
    if (temporalMask && !(timesteps[i] <= numTimesteps)) {
      return SamplerState.of(i + 1, state.latents().clone());
    }
    return SamplerState.of(i + 1, state.latents().add(velocity.mul(new Scalar(dt[i]))));
  }
}
