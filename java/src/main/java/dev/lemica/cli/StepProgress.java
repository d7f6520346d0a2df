package dev.lemica.cli;

import dev.lemica.sampling.StepListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar over sampling steps on stderr. Its message marks each step: '#' where the block
 * stack ran, '.' where its cached residual was reused.
 */
final class StepProgress implements StepListener, AutoCloseable {
  private final ProgressBar bar;
  private final StringBuilder marks = new StringBuilder();

  StepProgress(String task, long total, boolean quiet) {
    bar =
        quiet
            ? null
            : new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err, 120))
                .setUpdateIntervalMillis(250)
                .build();
  }

  @Override
  public void stepDone(int step, int steps, boolean computed) {
    if (bar == null) {
      return;
    }
    if (step == 0) {
      marks.setLength(0);
    }
    marks.append(computed ? '#' : '.');
    bar.step();
    bar.setExtraMessage(marks.length() <= 50 ? marks.toString() : marks.substring(marks.length() - 50));
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
