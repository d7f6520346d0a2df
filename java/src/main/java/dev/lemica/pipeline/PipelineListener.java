package dev.lemica.pipeline;

import dev.lemica.sampling.StepListener;

/** Hears a generation's phases (encode, sample, decode) and its sampling steps: progress displays. */
public interface PipelineListener extends StepListener {
  PipelineListener NONE = new PipelineListener() {};

  /** A phase starts; {@code units} is its step count where it has steps, else 0. */
  default void phaseStarted(String phase, int units) {}

  default void phaseDone(String phase, double seconds) {}

  @Override
  default void stepDone(int step, int steps, boolean computed) {}
}
