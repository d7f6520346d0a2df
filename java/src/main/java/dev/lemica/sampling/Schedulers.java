package dev.lemica.sampling;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The samplers a {@code scheduler_config.json} describes, by its {@code _class_name}: diffusers'
 * UniPCMultistepScheduler (Wan2.1), FlowMatchEulerDiscreteScheduler (Wan with a static shift, FLUX,
 * Qwen-Image, HunyuanVideo), CogVideoXDDIMScheduler and CogVideoXDPMScheduler, DDIMScheduler (Latte),
 * and Open-Sora 1.2's RFLOW (its init arguments as JSON).
 */
public final class Schedulers {
  /** Builds the sampler of one scheduler class from its config. */
  @FunctionalInterface
  public interface Factory {
    Sampler create(SchedulerConfig config, int steps, SamplingContext context);
  }

  private static final Map<String, Factory> FACTORIES = new TreeMap<>();

  static {
    FACTORIES.put(UniPCMultistep.CLASS_NAME, UniPCMultistep::fromConfig);
    FACTORIES.put(FlowMatchEuler.CLASS_NAME, FlowMatchEuler::fromConfig);
    FACTORIES.put(CogVideoXDDIM.CLASS_NAME, CogVideoXDDIM::fromConfig);
    FACTORIES.put(CogVideoXDPM.CLASS_NAME, CogVideoXDPM::fromConfig);
    FACTORIES.put(DDIM.CLASS_NAME, DDIM::fromConfig);
    FACTORIES.put(RectifiedFlow.CLASS_NAME, RectifiedFlow::fromConfig);
  }

  private Schedulers() {}

  /**
   * The sampler a scheduler_config.json describes, for {@code steps} steps; {@code context} carries
   * what set_timesteps needs besides the step count (image_seq_len → mu for dynamic shifting,
   * Open-Sora's resolution and frames, the step noise of stochastic samplers).
   */
  public static Sampler fromConfig(Path schedulerConfigJson, int steps, SamplingContext context) {
    return fromConfig(SchedulerConfig.read(schedulerConfigJson), steps, context);
  }

  public static Sampler fromConfig(SchedulerConfig config, int steps, SamplingContext context) {
    String name = config.className();
    Factory factory;
    synchronized (Schedulers.class) {
      factory = FACTORIES.get(name);
    }
    if (factory == null) {
      throw config.fault("_class_name '" + name + "' is not a supported scheduler (supported: " + String.join(", ", supported()) + ")");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
    }
    return factory.create(config, steps, context == null ? SamplingContext.NONE : context);
  }

  /**
   * The config key of a scheduler's static flow-matching shift: UniPC's {@code flow_shift} (with
   * flow sigmas), flow-match Euler's {@code shift}; empty for schedulers without one.
   */
  public static java.util.Optional<String> shiftKey(SchedulerConfig config) {
    return switch (config.className()) {
      case UniPCMultistep.CLASS_NAME -> java.util.Optional.of("flow_shift");
      case FlowMatchEuler.CLASS_NAME -> java.util.Optional.of("shift");
      default -> java.util.Optional.empty();
    };
  }

  /** The static shift the config sets (its scheduler's default when absent), or NaN where there is none. */
  public static double shiftOf(SchedulerConfig config) {
    return shiftKey(config).map(k -> config.number(k, 1.0)).orElse(Double.NaN);
  }

  /**
   * Whether the scheduler derives its shift from the image size (flow-match Euler with
   * {@code use_dynamic_shifting}: mu from the token count), so that a static --shift does not apply.
   */
  public static boolean shiftsDynamically(SchedulerConfig config) {
    return config.className().equals(FlowMatchEuler.CLASS_NAME) && config.bool("use_dynamic_shifting", false);
  }

  /** The config with its static shift replaced (how --shift overrides a folder's scheduler). */
  public static SchedulerConfig withShift(SchedulerConfig config, double shift) {
    String key = shiftKey(config).orElseThrow(() -> config.fault("--shift: " + config.className() + " has no static flow shift"));
    return config.with(key, shift);
  }

  /** Registers (or replaces) the factory of a {@code _class_name}. */
  public static synchronized void register(String className, Factory factory) {
    FACTORIES.put(className, factory);
  }

  public static synchronized Set<String> supported() {
    return Set.copyOf(new TreeMap<>(FACTORIES).keySet());
  }

  /**
   * The scheduler_config.json the Wan2.1 T2V diffusers folders ship (UniPC, flow_prediction, solver
   * order 2, bh2, flow sigmas) with {@code flow_shift} set: 3.0 for 480p, 5.0 for 720p.
   */
  public static SchedulerConfig wan21UniPC(double flowShift) {
    String resource = "wan2.1-unipc-scheduler_config.json";
    try (InputStream in = Schedulers.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the classpath");
      }
      return SchedulerConfig.parse(in.readAllBytes(), "built-in " + resource).with("flow_shift", flowShift);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
