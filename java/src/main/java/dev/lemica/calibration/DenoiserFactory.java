package dev.lemica.calibration;

import dev.lemica.cache.ResidualCache;
import dev.lemica.sampling.GuidedDenoiser;

/** Makes CFG denoisers over a cache for a batch that repeats the calibration prompts. */
@FunctionalInterface
interface DenoiserFactory {
  /** @param repeats how many times the prompt batch is stacked along the batch dimension */
  GuidedDenoiser create(ResidualCache cache, int repeats);
}
