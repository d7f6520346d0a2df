package dev.lemica.sampling;

/** Hears about each finished sampling step: progress bars, calibration recorders. */
@FunctionalInterface
public interface StepListener {
  StepListener NONE = (step, steps, computed) -> {};

  void stepDone(int step, int steps, boolean computed);
}
