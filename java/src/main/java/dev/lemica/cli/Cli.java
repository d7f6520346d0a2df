package dev.lemica.cli;

import dev.lemica.sampling.GuidedDenoiser;
import java.util.Locale;

/** Parsing shared by several commands. */
final class Cli {
  private Cli() {}

  /** The CFG layout named by --cfg; "auto" picks the fastest for the target. */
  static GuidedDenoiser.Branches branches(String cfg, dev.lemica.model.ComputeTarget target) {
    switch (cfg.toLowerCase(Locale.ROOT)) {
      case "auto":
        return GuidedDenoiser.Branches.fastestFor(target);
      case "parallel":
        return GuidedDenoiser.Branches.PARALLEL;
      case "batched":
        return GuidedDenoiser.Branches.BATCHED;
      case "separate":
        return GuidedDenoiser.Branches.SEPARATE;
      default:
        throw new IllegalArgumentException("--cfg " + cfg + ": expected auto, batched, separate or parallel");
    }
  }
}
