package dev.lemica.pipeline;

import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.SchedulerConfig;
import dev.lemica.sampling.Schedulers;

/**
 * A diffusers folder's {@code scheduler/scheduler_config.json} as a pipeline uses it: checked when
 * the folder opens, then the sampler of each run's steps, with {@code --shift} applied where the
 * scheduler has a static flow shift and refused where it has none.
 */
public final class FolderScheduler {
  private final SchedulerConfig config;

  private FolderScheduler(SchedulerConfig config) {
    this.config = config;
  }

  /** Reads and checks the scheduler of {@code index} (its class and options, by building it for {@code steps}). */
  public static FolderScheduler of(ModelIndex index, int steps) {
    SchedulerConfig config = SchedulerConfig.read(index.folderOf("scheduler").resolve("scheduler_config.json"));
    Schedulers.fromConfig(config, steps, SamplingContext.NONE);
    return new FolderScheduler(config);
  }

  public SchedulerConfig config() {
    return config;
  }

  /** The shift a run uses: {@code requested} (refused by a scheduler without one), else the config's, NaN where none. */
  public double shift(Double requested) {
    if (requested == null) {
      return Schedulers.shiftOf(config);
    }
    Schedulers.withShift(config, requested);
    return requested;
  }

  /** The sampler for {@code s}'s steps and shift. */
  public Sampler sampler(GenerationSettings s) {
    SchedulerConfig c = config;
    if (!Double.isNaN(s.shift()) && s.shift() != Schedulers.shiftOf(config)) {
      c = Schedulers.withShift(config, s.shift());
    }
    return Schedulers.fromConfig(c, s.steps(), SamplingContext.NONE);
  }
}
