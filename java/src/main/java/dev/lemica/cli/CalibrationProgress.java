package dev.lemica.cli;

import dev.lemica.calibration.CalibrationListener;
import dev.lemica.calibration.EdgeErrors;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Calibration progress on stderr with an ETA, in sample-steps of block-stack work. */
final class CalibrationProgress implements CalibrationListener, AutoCloseable {
  private final boolean quiet;
  private ProgressBar bar;

  CalibrationProgress(boolean quiet) {
    this.quiet = quiet;
  }

  @Override
  public void started(long totalUnits) {
    if (!quiet) {
      bar =
          new ProgressBarBuilder()
              .setTaskName("calibrating")
              .setInitialMax(totalUnits)
              .setUnit(" sample-steps", 1)
              .setStyle(ProgressBarStyle.ASCII)
              .setConsumer(new ConsoleProgressBarConsumer(System.err, 120))
              .setUpdateIntervalMillis(1000)
              .build();
    }
  }

  @Override
  public void progressed(long units) {
    if (bar != null) {
      bar.stepBy(units);
    }
  }

  @Override
  public void groupDone(int j, EdgeErrors errors) {
    if (bar != null) {
      bar.setExtraMessage("edges ending at step " + j + " saved");
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
