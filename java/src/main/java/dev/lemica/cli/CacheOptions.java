package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.schedule.ScheduleSource;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** --budget or --schedule: which steps run the block stack. Neither: every step. */
final class CacheOptions {
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Choice choice;

  static final class Choice {
    @Option(
        names = "--budget",
        paramLabel = "B",
        description = {
          "Run the block stack at B of the steps and reuse its residual at the others.",
          "Uses the model's LeMiCa schedule for B when the model folder ships a calibration for"
              + " this step count (lemica/schedules/*.json, or lemica/errors.json solved for B with"
              + " lex-minimax); else, at 50 steps, the list LeMiCa's authors published for B when the"
              + " folder's transformer is Wan2.1 T2V 1.3B (B 25, 20, 17, 14) or 14B (25, 20, 17, 14),"
              + " FLUX.1-dev (26, 20, 15, 10) or Qwen-Image (25, 17, 10); otherwise a uniform schedule"
              + " (B steps evenly spread, first and last included); the run says which. The embedded"
              + " model ships one for 50 steps."
        })
    Integer budget;

    @Option(
        names = "--schedule",
        paramLabel = "LIST|FILE|PRESET",
        description = {
          "Computed steps as a list (0,1,3,...,T-1), a schedule JSON file (lemica-schedule/1), or one of"
              + " LeMiCa's published 50-step lists (UnicomAI/LeMiCa inference scripts and ComfyUI node):",
          "  lemica:flux1-dev:B26|B20|B15|B10",
          "  lemica:qwen-image:B25|B17|B10",
          "  lemica:wan2.1-t2v-1.3b:B25|B20|B17|B14",
          "  lemica:wan2.1-t2v-14b:B25|B20|B17|B14",
          "(B = steps computed; other step counts need --retarget)."
        })
    String schedule;
  }

  @Option(
      names = "--retarget",
      description = "Accept a schedule file or preset made for another step count, mapping each computed step s to"
          + " round(s*(T'-1)/(T-1)) and keeping the budget (see ScheduleFile.retarget).")
  boolean retarget;

  /** The policy for a run of {@code steps} steps on the model in {@code modelDir}. */
  CachePolicy policy(int steps, Path modelDir) {
    return policy(steps, modelDir, null);
  }

  /**
   * The same, for a run sampled with {@code sampler} (its describe()): a schedule or errors file
   * made under another sampler is applied with a warning.
   */
  CachePolicy policy(int steps, Path modelDir, String sampler) {
    if (choice == null) {
      return FullCompute.INSTANCE;
    }
    if (choice.budget != null) {
      return ScheduleSource.forBudget(modelDir, steps, choice.budget, sampler);
    }
    return ScheduleSource.parse(choice.schedule, steps, retarget, sampler);
  }
}
