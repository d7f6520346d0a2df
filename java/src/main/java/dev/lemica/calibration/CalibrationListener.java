package dev.lemica.calibration;

/** Hears calibration progress: block-stack work done, and each finished group of edges. */
public interface CalibrationListener {
  CalibrationListener NONE = new CalibrationListener() {};

  /** Total units of work (one unit: one block-stack step of one sample, both CFG branches). */
  default void started(long totalUnits) {}

  default void progressed(long units) {}

  /** Every edge ending at {@code j} is now measured: a moment to save a resumable checkpoint. */
  default void groupDone(int j, EdgeErrors errors) {}
}
