package dev.lemica.solver;

import java.util.SplittableRandom;

/** Matrices for property tests: continuous, heavily tied, or with unmeasured edges. */
final class RandomMatrices {
  enum Kind {
    /** Distinct random doubles. */
    CONTINUOUS,
    /** Values from {0, 1, 2, 3}: exact ties everywhere, sums exact in double. */
    SMALL_INTEGERS,
    /** Values from {0.1, 0.2, 0.3}: ties, and sums that round (0.1 + 0.2 != 0.3). */
    DECIMALS,
    /** Two distinct values only, so whole sorted vectors tie. */
    TWO_VALUES,
    /** Continuous values with about a quarter of the edges missing. */
    HOLES,
    /** A few values from 1e-200 to 1e200: sums no double-double holds, exact ties among them. */
    WILD_MAGNITUDES
  }

  private RandomMatrices() {}

  static ErrorMatrix random(SplittableRandom rnd, int steps, int maxSkip, Kind kind) {
    ErrorMatrix.Builder b = ErrorMatrix.builder(steps).maxSkip(maxSkip).source("random-" + kind);
    for (int i = 0; i < steps; i++) {
      for (int j = i + 2; j <= Math.min(steps - 1, i + maxSkip); j++) {
        double w =
            switch (kind) {
              case CONTINUOUS, HOLES -> rnd.nextDouble();
              case SMALL_INTEGERS -> rnd.nextInt(4);
              case DECIMALS -> new double[] {0.1, 0.2, 0.3}[rnd.nextInt(3)];
              case TWO_VALUES -> rnd.nextBoolean() ? 0.5 : 1.5;
              case WILD_MAGNITUDES -> new double[] {1e-200, 0.1, 1.0, 1e200, 3e200}[rnd.nextInt(5)];
            };
        if (kind == Kind.HOLES && rnd.nextInt(4) == 0) {
          continue;
        }
        b.error(i, j, w);
      }
    }
    return b.build();
  }

  /**
   * LeMiCa-shaped errors: growing with the skip length and much larger at early (noisy) steps, with
   * a little deterministic noise.
   */
  static ErrorMatrix earlyHeavy(int steps, int maxSkip, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    ErrorMatrix.Builder b = ErrorMatrix.builder(steps).maxSkip(maxSkip).source("early-heavy");
    for (int i = 0; i < steps; i++) {
      double early = Math.pow(1.0 - (double) i / steps, 3) * 20 + 1;
      for (int j = i + 2; j <= Math.min(steps - 1, i + maxSkip); j++) {
        double skip = (double) (j - i - 1) / maxSkip;
        b.error(i, j, early * skip * skip * (1 + 0.1 * rnd.nextDouble()));
      }
    }
    return b.build();
  }
}
