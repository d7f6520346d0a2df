package dev.lemica.schedule;

import dev.lemica.cache.StaticSchedulePolicy;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a run's schedule comes from: a list, a schedule file, or a budget. */
public final class ScheduleSource {
  private ScheduleSource() {}

  /** A list "0,1,3,..." or the path of a schedule file, for a run of {@code steps} steps. */
  public static Schedule parse(String listOrFile, int steps) {
    Path file = Path.of(listOrFile);
    if (Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": schedule files are not supported yet; pass a list");
    }
    if (!listOrFile.matches("[0-9,\\s]+")) {
      throw new IllegalArgumentException("--schedule " + listOrFile + ": neither a file nor a list like 0,1,3,7");
    }
    return Schedule.parseList(steps, listOrFile);
  }

  /** A budget of B computed steps: the model's calibrated schedule when it ships one, else uniform. */
  public static StaticSchedulePolicy forBudget(Path modelDir, int steps, int budget) {
    return new StaticSchedulePolicy(Schedule.uniform(steps, budget), "uniform");
  }
}
