package dev.lemica.cli;

import dev.lemica.sampling.GuidedDenoiser;
import java.util.Locale;

/** Parsing shared by several commands. */
final class Cli {
  private Cli() {}

  static GuidedDenoiser.Branches branches(String cfg) {
    switch (cfg.toLowerCase(Locale.ROOT)) {
      case "batched":
        return GuidedDenoiser.Branches.BATCHED;
      case "separate":
        return GuidedDenoiser.Branches.SEPARATE;
      default:
        throw new IllegalArgumentException("--cfg " + cfg + ": expected batched or separate");
    }
  }
}
