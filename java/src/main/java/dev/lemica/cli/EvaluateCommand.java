package dev.lemica.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.evaluation.CalibrationOverlap;
import dev.lemica.evaluation.Comparisons;
import dev.lemica.evaluation.Evaluator;
import dev.lemica.evaluation.QualityPlot;
import dev.lemica.evaluation.ResultTable;
import dev.lemica.evaluation.Variant;
import dev.lemica.evaluation.VariantResult;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.schedule.Schedule;
import dev.lemica.schedule.ScheduleFile;
import dev.lemica.sampling.SamplerNames;
import dev.lemica.schedule.ScheduleSource;
import dev.lemica.sampling.PromptSeeds;
import dev.lemica.solver.EdgeWeight;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.solver.SampledErrors;
import dev.lemica.solver.Objective;
import dev.lemica.solver.ScheduleSolver;
import dev.lemica.video.PngWriter;
import dev.lemica.video.VideoFrames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Compares cached sampling with the full run on held-out prompts: for each budget B, LeMiCa schedules"
          + " (lex-minimax and min-sum) against the baselines uniform (B evenly spread steps), fewer steps"
          + " (sampling with B steps, same compute), teacache (TeaCache-style: accumulated change of the first"
          + " block's modulated input, without TeaCache's fitted rescaling), magcache (MagCache-style: accumulated"
          + " magnitude-ratio error, ratios recorded on one more full run of the same samples, plus a skip limit) and"
          + " fbcache (FirstBlockCache-style: the first block runs at every step; the rest runs when the first block's"
          + " residual differs from the last full step's by more than the threshold, else the rest's residual stored"
          + " there is added to the first block's output; changes recorded on one more full run), plus any --schedule"
          + " given. The online baselines' thresholds are chosen on the evaluated samples' own full run to compute"
          + " about B steps; the real run may differ,"
          + " since caching changes what they measure, so the table gives what each computed. Computed steps count"
          + " whole block stacks: fbcache's first block at the other steps is not in them (it is in the wall time).",
      "Metrics per prompt against the full run's video, both mapped to [0,1] as (x+1)/2 and clamped:"
          + " PSNR = 10*log10(1/MSE) (capped at 100 dB); SSIM with an 11x11 Gaussian window (sigma 1.5),"
          + " K1 0.01, K2 0.03, over the window positions inside each frame, averaged over frames and"
          + " channels; MAE = mean |a-b|. Wall-clock speedups are over the full run in the same process.",
      "LeMiCa schedules come from --errors, else from the model's own calibration (lemica/schedules/ or"
          + " lemica/errors.json), solved here for each budget.",
      "With --seeds every prompt runs under every seed, and the scores are over those samples. Each row gives the"
          + " mean and the worst sample (lowest PSNR/SSIM, highest MAE); after the table, the best policy per budget"
          + " and metric, how many comparisons each LeMiCa schedule wins against the other policies, and whether the"
          + " prompts and seeds are held out from the calibration the schedules came from."
    })
final class EvaluateCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;

  @Mixin PromptOptions prompts;

  @Mixin VideoOptions video;

  @Mixin NoiseOptions noise;


  @Option(names = "--budgets", split = ",", paramLabel = "B,B,...", description = "Budgets to compare all policies at, e.g. 10,14,17,20,25.")
  List<Integer> budgets = new ArrayList<>();

  @Option(
      names = "--policies",
      split = ",",
      defaultValue = "lemica,uniform,fewer-steps,teacache,magcache,fbcache",
      description = "Policies evaluated at each budget (lemica, uniform, fewer-steps, teacache, magcache, fbcache). Default: ${DEFAULT-VALUE}.")
  List<String> policies;

  @Option(names = "--errors", paramLabel = "FILE", description = "Error matrix from `lemica calibrate`, solved here for each budget.")
  Path errors;

  @Option(
      names = "--edge-weight",
      paramLabel = "W",
      description = "Solve the LeMiCa schedules from --errors with each edge weighted by mean, max or a quantile qQ"
          + " of its per-sample calibration errors (as `solve --edge-weight`). Default: the file's errors matrix.")
  String edgeWeight;

  @Option(
      names = "--samples",
      paramLabel = "SEL",
      description = "Solve from only these calibration samples of --errors (indices into its per_prompt, e.g. 0-3),"
          + " weighted by --edge-weight (default mean), as `solve --samples`.")
  String samples;

  @Option(names = "--schedule", paramLabel = "LIST|FILE", description = "An extra schedule to evaluate (steps, or a schedule file, whose row is named by the file's name); repeatable.")
  List<String> schedules = new ArrayList<>();

  @Option(names = "--per-prompt", description = "Also print each prompt's PSNR / SSIM / MAE under every row (the --report JSON always has them).")
  boolean perPrompt;

  @Option(names = "--report", paramLabel = "FILE.json", description = "Write every number (per prompt too) as JSON.")
  Path report;

  @Option(names = "--plot", paramLabel = "FILE.png", description = "Write a PSNR-vs-budget chart.")
  Path plot;

  @Option(names = "--table", paramLabel = "FILE.md", description = "Also write the Markdown table to a file.")
  Path table;

  @Option(names = "--frames-png", paramLabel = "FILE.png", description = "Frames of the first prompt, one row per policy at the budget --frames-budget, under the full run's.")
  Path framesPng;

  @Option(names = "--frames-budget", paramLabel = "B", description = "Budget shown in --frames-png. Default: the smallest of --budgets.")
  Integer framesBudget;


  @Mixin ComputeOptions compute;

  private static final Set<String> KNOWN = Set.of("lemica", "uniform", "fewer-steps", "teacache", "magcache", "fbcache");

  @Override
  public Integer call() {
    for (String p : policies) {
      if (!KNOWN.contains(p)) {
        throw new IllegalArgumentException("--policies: unknown policy '" + p + "' (known: " + KNOWN + ")");
      }
    }
    if (budgets.isEmpty() && schedules.isEmpty()) {
      throw new IllegalArgumentException("give --budgets and/or --schedule: there is nothing to evaluate");
    }
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = modelOptions.branches(target);
    Path modelDir = modelOptions.folder();
    if ((edgeWeight != null || samples != null) && errors == null) {
      throw new IllegalArgumentException("--edge-weight and --samples reweigh the per-sample errors of --errors FILE; give one");
    }
    EdgeWeight weight = edgeWeight == null ? null : CalibrateCommand.edgeWeight(edgeWeight);
    List<String> given = prompts.prompts();
    PromptSeeds perSeed = noise.samples(given);
    List<String> promptList = perSeed != null ? perSeed.prompts() : given;
    List<String> labels = perSeed != null ? java.util.stream.IntStream.range(0, perSeed.size()).mapToObj(perSeed::label).toList() : promptList;
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionPipeline pipeline = modelOptions.open(target)) {
      GenerationSettings settings = pipeline.resolve(video.request(promptList, modelOptions, perSeed == null ? 1 : noise.seedCount()));
      int t = settings.steps();
      Optional<ErrorMatrix> matrix =
          errors == null ? ScheduleSource.calibratedErrors(modelDir, t)
              : weight == null && samples == null ? Optional.of(ErrorMatrix.read(errors))
              : Optional.of(selected(SampledErrors.read(errors)).matrix(weight == null ? EdgeWeight.MEAN : weight));
      String sampler = pipeline.sampler(settings).describe();
      matrix.ifPresent(m -> {
        if (m.steps() != t) {
          throw new IllegalArgumentException(errors + ": errors are for " + m.steps() + " steps, evaluation samples " + t);
        }
        SamplerNames.warnIfOther(m.source(), m.metadataString("sampler").orElse(null), sampler);
      });
      for (int b : budgets) {
        if (b < 2 || b > t) {
          throw new IllegalArgumentException("--budgets: " + b + " is outside 2.." + t);
        }
      }
      Conditioning text = pipeline.encode(settings);
      Tensor initial = noise.noise(perSeed, pipeline.noiseShape(settings));
      Optional<CalibrationOverlap> overlap = matrix.map(m -> CalibrationOverlap.of(m.metadata(), given, noise.seedsDrawn()));
      overlap.ifPresent(o -> System.err.println("note: " + o.describe()));
      pipeline.withTransformer(transformer -> {
        evaluate(new Evaluator(pipeline, text, initial, settings, branches), matrix, overlap, modelDir, sampler, labels, settings, target);
        return null;
      });
    }
    return 0;
  }

  private SampledErrors selected(SampledErrors all) {
    return samples == null ? all : all.select(SampledErrors.parseSelection(samples));
  }

  /** Every variant against the full run, with the transformer loaded throughout. */
  private void evaluate(
      Evaluator evaluator, Optional<ErrorMatrix> matrix, Optional<CalibrationOverlap> overlap, Path modelDir, String sampler,
      List<String> promptList, GenerationSettings settings, ComputeTarget target) {
    int t = settings.steps();
    System.err.printf("full run: %d samples x %d steps...%n", promptList.size(), t);
    evaluator.runFull();
    System.err.printf("full run took %.2f s%n", evaluator.fullSeconds());

    List<Variant> variants = new ArrayList<>();
    for (int b : budgets) {
      if (policies.contains("lemica")) {
        for (Objective objective : new Objective[] {Objective.LEX_MINIMAX, Objective.MIN_SUM}) {
          lemicaPolicy(matrix, modelDir, t, b, objective)
              .ifPresentOrElse(
                  p -> variants.add(new Variant("lemica " + objective.cliName(), b, t, p)),
                  () -> System.err.printf("note: no LeMiCa %s schedule for B=%d: no calibration for %d steps (give --errors)%n", objective.cliName(), b, t));
        }
      }
      if (policies.contains("uniform")) {
        variants.add(new Variant("uniform", b, t, new StaticSchedulePolicy(Schedule.uniform(t, b), "uniform")));
      }
      if (policies.contains("fewer-steps")) {
        variants.add(new Variant("fewer steps", b, b, FullCompute.INSTANCE));
      }
      if (policies.contains("teacache")) {
        variants.add(new Variant("teacache", b, t, evaluator.teaCacheFor(b)));
      }
      if (policies.contains("magcache")) {
        variants.add(new Variant("magcache", b, t, evaluator.magCacheFor(b)));
      }
      if (policies.contains("fbcache")) {
        variants.add(new Variant("fbcache", b, t, evaluator.firstBlockCacheFor(b)));
      }
    }
    for (String s : schedules) {
      StaticSchedulePolicy p = ScheduleSource.parse(s, t, false, sampler);
      // A file is named by its name (schedules solved several ways read apart in the table), a list by its steps.
      Path file = Path.of(s);
      String name = Files.isRegularFile(file) ? file.getFileName().toString() : p.schedule().toList();
      variants.add(new Variant("schedule " + name, p.schedule().budget(), t, p));
    }

    List<String> lines = new ArrayList<>();
    lines.add(ResultTable.markdownHeader());
    System.out.println(ResultTable.markdownHeader());
    int shownBudget = framesBudget != null ? framesBudget : budgets.stream().mapToInt(Integer::intValue).min().orElse(0);
    List<String> frameLabels = new ArrayList<>(List.of("full (" + t + " steps)"));
    List<Tensor> frameVideos = new ArrayList<>(List.of(firstSample(evaluator.reference())));
    List<VariantResult> results =
        evaluator.run(
            variants,
            r -> {
              String row = ResultTable.markdownRow(r);
              lines.add(row);
              System.out.println(row);
              if (perPrompt) {
                for (int i = 0; i < promptList.size(); i++) {
                  var s = r.perPrompt()[i];
                  String line = String.format(java.util.Locale.ROOT, "|   %s | | | | %.2f | %.4f | %.4f | | | | | |", promptList.get(i), s.psnr(), s.ssim(), s.mae());
                  lines.add(line);
                  System.out.println(line);
                }
              }
            },
            (v, videos) -> {
              if (framesPng != null && v.budget() == shownBudget && !v.policy().startsWith("schedule ")) {
                frameLabels.add(v.policy() + " B=" + v.budget());
                frameVideos.add(firstSample(videos));
              }
            });
    if (framesPng != null) {
      PngWriter.write(VideoFrames.labelledRows(frameLabels, frameVideos, 3), framesPng);
    }
    frameVideos.forEach(Tensor::releaseReference);
    System.out.printf("full: %d steps, %.2f s wall for %d samples%n", t, evaluator.fullSeconds(), promptList.size());
    Comparisons comparisons = new Comparisons(results);
    List<String> contenders = comparisons.policies().stream().filter(p -> p.startsWith("lemica ")).toList();
    List<String> summary = new ArrayList<>(List.of("", comparisons.markdown(), ""));
    Set<String> others = new java.util.LinkedHashSet<>(comparisons.policies());
    others.removeAll(contenders);
    for (String p : others.isEmpty() ? List.<String>of() : contenders) {
      Comparisons.Tally tally = comparisons.tally(p, others);
      summary.add(String.format(java.util.Locale.ROOT, "%s wins %d of %d comparisons against %s (%s at each budget)",
          p, tally.wins(), tally.comparisons(), others, java.util.Arrays.stream(Comparisons.Metric.values()).map(Comparisons.Metric::label).toList()));
    }
    overlap.ifPresent(o -> summary.add(o.describe()));
    summary.forEach(System.out::println);
    lines.addAll(summary);
    writeOutputs(results, lines, promptList, evaluator, settings, target, comparisons.json(contenders), overlap);
    evaluator.release();
  }

  /** The first prompt's video, copied so it outlives the run that made it. */
  private static Tensor firstSample(Tensor videos) {
    Tensor first = videos.narrow(0, 0, 1).clone();
    first.retainReference();
    return first;
  }

  /**
   * The model's shipped schedule (unless --errors is given), else one solved from the matrix; a
   * schedule solved from errors measured under a corrected reuse runs under that rule.
   */
  private Optional<CachePolicy> lemicaPolicy(Optional<ErrorMatrix> matrix, Path modelDir, int steps, int budget, Objective objective) {
    String label = "lemica " + objective.cliName();
    Optional<Schedule> shipped = ScheduleSource.calibrated(modelDir, steps, budget, objective.cliName()).map(ScheduleFile::schedule);
    if (errors == null && shipped.isPresent()) {
      return shipped.map(s -> new StaticSchedulePolicy(s, label));
    }
    return matrix.map(m -> ScheduleSource.withReuseOf(new StaticSchedulePolicy(ScheduleSolver.solve(m, budget, objective).schedule(), label), m, steps));
  }

  private void writeOutputs(
      List<VariantResult> results, List<String> lines, List<String> promptList, Evaluator evaluator, GenerationSettings settings,
      ComputeTarget target, ObjectNode comparisons, Optional<CalibrationOverlap> overlap) {
    try {
      if (table != null) {
        Files.writeString(table, String.join("\n", lines) + "\n");
      }
      if (report != null) {
        ObjectNode setup = new ObjectMapper().createObjectNode();
        setup.put("model", modelOptions.label());
        setup.put("noise", noise.describe());
        setup.put("steps", settings.steps());
        if (Double.isNaN(settings.shift())) {
          setup.putNull("shift");
        } else {
          setup.put("shift", settings.shift());
        }
        setup.put("guidance", settings.guidance());
        setup.put("compute", target.toString());
        setup.put("errors", errors != null ? errors.toString() : null);
        setup.put("edge_weight", edgeWeight);
        setup.put("calibration_samples", samples);
        ObjectNode json = ResultTable.json(results, promptList, evaluator.fullSeconds(), setup);
        json.set("comparisons", comparisons);
        overlap.ifPresent(o -> json.set("calibration_overlap", o.toJson()));
        Files.writeString(report, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
      }
      if (plot != null) {
        List<VariantResult> withBudgets = results.stream().filter(r -> !r.variant().policy().startsWith("schedule ")).toList();
        PngWriter.write(QualityPlot.psnrByBudget(withBudgets, settings.steps(), "PSNR against the full run, " + promptList.size() + " samples, T=" + settings.steps()), plot);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
