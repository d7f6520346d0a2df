package dev.lemica.bench;

import dev.lemica.solver.ErrorMatrix;
import java.util.SplittableRandom;

/** Synthetic error matrices for the solver benchmarks; all deterministic (fixed seeds). */
final class BenchMatrices {
  private BenchMatrices() {}

  /**
   * Shapes: {@code early-heavy} grows with the skip length and towards early steps, as LeMiCa's
   * measured matrices do; {@code random} is uniform noise; {@code late-heavy} puts the largest
   * errors at the last steps, so every candidate path shares its worst edges (the hard case for
   * lexicographic comparison); {@code stationary} depends on j-i only, so whole paths tie.
   */
  static ErrorMatrix of(String shape, int steps, int maxSkip) {
    SplittableRandom rnd = new SplittableRandom(1234);
    ErrorMatrix.Builder b = ErrorMatrix.builder(steps).maxSkip(maxSkip).source(shape);
    for (int i = 0; i < steps; i++) {
      for (int j = i + 2; j <= Math.min(steps - 1, i + maxSkip); j++) {
        double skip = (double) (j - i - 1) / maxSkip;
        double noise = 1 + 0.1 * rnd.nextDouble();
        double w =
            switch (shape) {
              case "early-heavy" -> (Math.pow(1.0 - (double) i / steps, 3) * 20 + 1) * skip * skip * noise;
              case "late-heavy" -> (Math.pow((double) i / steps, 3) * 20 + 1) * skip * skip * noise;
              case "random" -> rnd.nextDouble();
              case "stationary" -> skip * skip;
              default -> throw new IllegalArgumentException("unknown shape " + shape);
            };
        b.error(i, j, w);
      }
    }
    return b.build();
  }
}
