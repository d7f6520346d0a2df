package dev.lemica.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.cache.ReuseRule;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.sampling.SamplerNames;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.solver.Objective;
import dev.lemica.solver.ScheduleSolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a run's schedule comes from: a list, a schedule file, a published preset, or a budget. For a
 * budget, a model folder may ship calibrated LeMiCa schedules in {@code lemica/schedules/} (or their
 * error matrix); without one, a folder whose transformer is a model LeMiCa's authors published
 * schedules for (Wan2.1 T2V 1.3B/14B, FLUX.1-dev, Qwen-Image) at 50 steps takes the published list
 * for that budget; otherwise the budget is spread uniformly.
 */
public final class ScheduleSource {
  /** Folder, inside a model folder, of the schedules calibrated for that model. */
  public static final String CALIBRATED_FOLDER = "lemica/schedules";
  /** The error matrix, inside a model folder, measured for that model by `lemica calibrate`. */
  public static final String CALIBRATED_ERRORS = "lemica/errors.json";
  /** The objective preferred when several calibrated schedules fit. */
  public static final String PREFERRED_OBJECTIVE = "lex-minimax";

  private ScheduleSource() {}

  /**
   * A list "0,1,3,..." or the path of a lemica-schedule/1 file, for a run of {@code steps} steps.
   *
   * @param retarget whether a file made for another step count may be mapped onto this one
   */
  public static StaticSchedulePolicy parse(String listOrFile, int steps, boolean retarget) {
    return parse(listOrFile, steps, retarget, null);
  }

  /**
   * The same, for a run sampled with {@code sampler} ({@link dev.lemica.sampling.Sampler#describe()},
   * or null): a schedule file whose provenance names another sampler is used with a warning.
   */
  public static StaticSchedulePolicy parse(String listOrFile, int steps, boolean retarget, String sampler) {
    if (PublishedSchedules.isPresetName(listOrFile)) {
      return new StaticSchedulePolicy(PublishedSchedules.resolve(listOrFile, steps, retarget), listOrFile);
    }
    Path file = Path.of(listOrFile);
    if (Files.isRegularFile(file)) {
      ScheduleFile s = retarget ? ScheduleFile.readRetargeted(file, steps) : ScheduleFile.readFor(file, steps);
      SamplerNames.warnIfOther(file.toString(), s.provenance().sampler(), sampler);
      return withReuseOf(new StaticSchedulePolicy(s.schedule(), s.objective() + (s.retargetedFrom() != null ? " (retargeted)" : "")), s, file);
    }
    if (!listOrFile.matches("[0-9,\\s]+")) {
      throw new IllegalArgumentException("--schedule " + listOrFile + ": neither a file nor a list like 0,1,3,7");
    }
    return new StaticSchedulePolicy(Schedule.parseList(steps, listOrFile), "schedule");
  }

  /**
   * A budget of B computed steps: the LeMiCa schedule of the model's calibration when it ships one
   * for this step count (a schedule file, or solved now from its error matrix), else uniform.
   */
  public static StaticSchedulePolicy forBudget(Path modelDir, int steps, int budget) {
    return forBudget(modelDir, steps, budget, null);
  }

  /**
   * The same, for a run sampled with {@code sampler} (or null): a calibration made under another
   * sampler is used with a warning.
   */
  public static StaticSchedulePolicy forBudget(Path modelDir, int steps, int budget, String sampler) {
    Optional<ScheduleFile> calibrated = calibrated(modelDir, steps, budget, PREFERRED_OBJECTIVE);
    if (calibrated.isPresent()) {
      SamplerNames.warnIfOther(modelDir.resolve(CALIBRATED_FOLDER) + " (B=" + budget + ")", calibrated.get().provenance().sampler(), sampler);
      return withReuseOf(
          new StaticSchedulePolicy(calibrated.get().schedule(), "lemica " + calibrated.get().objective()), calibrated.get(),
          modelDir.resolve(CALIBRATED_FOLDER));
    }
    Optional<ErrorMatrix> matrix = calibratedErrors(modelDir, steps);
    if (matrix.isPresent()) {
      SamplerNames.warnIfOther(modelDir.resolve(CALIBRATED_ERRORS).toString(), matrix.get().metadataString("sampler").orElse(null), sampler);
      Schedule solved = ScheduleSolver.solve(matrix.get(), budget, Objective.LEX_MINIMAX).schedule();
      return withReuseOf(new StaticSchedulePolicy(solved, "lemica lex-minimax"), matrix.get(), steps);
    }
    Optional<String> published = publishedModel(modelDir);
    if (published.isPresent() && steps == PublishedSchedules.STEPS) {
      Optional<PublishedSchedules.Preset> preset = PublishedSchedules.forBudget(published.get(), budget);
      if (preset.isPresent()) {
        return new StaticSchedulePolicy(preset.get().schedule(), "lemica published " + preset.get().name());
      }
      return new StaticSchedulePolicy(Schedule.uniform(steps, budget), "uniform (LeMiCa published B="
          + PublishedSchedules.budgets(published.get()).stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))
          + " for " + published.get() + "; no calibration of B=" + budget + ")");
    }
    return new StaticSchedulePolicy(Schedule.uniform(steps, budget), "uniform (no calibration for " + steps + " steps)");
  }

  /** The policy running under the reuse rule the schedule file's errors were measured under. */
  private static StaticSchedulePolicy withReuseOf(StaticSchedulePolicy policy, ScheduleFile file, Path source) {
    ObjectNode reuse = file.provenance().reuse();
    if (reuse == null) {
      return policy;
    }
    int measuredSteps = file.provenance().steps() != null ? file.provenance().steps() : file.schedule().steps();
    try {
      return policy.withReuse(ReuseRule.fromJson(reuse, measuredSteps));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": provenance: " + e.getMessage());
    }
  }

  /** A schedule solved from {@code matrix}, running under the reuse rule its errors were measured under. */
  public static StaticSchedulePolicy withReuseOf(StaticSchedulePolicy policy, ErrorMatrix matrix, int steps) {
    JsonNode reuse = matrix.metadata().get("reuse");
    if (reuse == null) {
      return policy;
    }
    try {
      return policy.withReuse(ReuseRule.fromJson(reuse, steps));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(matrix.source() + ": " + e.getMessage());
    }
  }

  /**
   * The published model a folder's transformer is ({@link PublishedSchedules#modelOf}), for folders
   * that ship no calibration of their own: a diffusers Wan2.1, FLUX.1-dev or Qwen-Image folder.
   */
  static Optional<String> publishedModel(Path modelDir) {
    for (Path config : List.of(modelDir.resolve("transformer").resolve("config.json"), modelDir.resolve("config.json"))) {
      if (Files.isRegularFile(config)) {
        try {
          return PublishedSchedules.modelOf(dev.lemica.model.ModelConfig.read(config));
        } catch (IllegalArgumentException | UncheckedIOException e) {
          return Optional.empty(); // a broken config fails in one line where the model loads
        }
      }
    }
    return Optional.empty();
  }

  /** The error matrix a model folder ships, when it was measured for this step count. */
  public static Optional<ErrorMatrix> calibratedErrors(Path modelDir, int steps) {
    Path errors = modelDir.resolve(CALIBRATED_ERRORS);
    if (!Files.isRegularFile(errors)) {
      return Optional.empty();
    }
    ErrorMatrix matrix = ErrorMatrix.read(errors);
    return matrix.steps() == steps ? Optional.of(matrix) : Optional.empty();
  }

  /** The calibrated schedule a model folder ships for this step count, budget and objective. */
  public static Optional<ScheduleFile> calibrated(Path modelDir, int steps, int budget, String objective) {
    Path folder = modelDir.resolve(CALIBRATED_FOLDER);
    if (!Files.isDirectory(folder)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> candidates = files.filter(p -> p.toString().endsWith(".json")).sorted(Comparator.naturalOrder()).toList();
      for (Path p : candidates) {
        ScheduleFile s = ScheduleFile.read(p);
        if (s.schedule().steps() == steps && s.schedule().budget() == budget && objective.equals(s.objective())) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": cannot list (" + e.getMessage() + ")", e);
    }
  }
}
