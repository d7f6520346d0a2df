package dev.lemica.cli;

import dev.lemica.calibration.CalibrationJob;
import dev.lemica.calibration.CalibrationSetup;
import dev.lemica.distributed.ShardedCalibration;
import dev.lemica.model.ComputeTarget;
import dev.lemica.io.OutputFile;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.sampling.Guidance;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.PromptSeeds;
import dev.lemica.solver.EdgeWeight;
import dev.lemica.sampling.Sampler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures LeMiCa's edge errors: for every edge i->j (2 <= j-i <= max-skip), the mean absolute error"
          + " of the final output when the block stack runs at every step except i+1..j-1 (which reuse step i's"
          + " residual), against the uncached run, for every calibration sample (a prompt, or with --seeds a prompt"
          + " under one seed), and their mean (or --edge-weight) per edge.",
      "Cost: one full run plus, per edge, the steps after j; edges ending at the same step run as one batch."
          + " The output file is saved after every group of edges: run the same command again to continue an"
          + " interrupted calibration. Feed the result to `lemica solve`.",
      "Under `lemica launch --nproc N calibrate ...` the ranks share the groups (balanced by their cost), each"
          + " saving its part beside the output (<out>.part-<rank>-of-<N>) after every group; rank 0 merges them"
          + " into the one errors file at the end. A rerun, with any number of ranks, continues from the file and"
          + " the parts."
    })
final class CalibrateCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;

  @Mixin PromptOptions prompts;

  @Mixin VideoOptions video;

  @Mixin NoiseOptions noise;




  @Option(names = "--max-skip", required = true, paramLabel = "L", description = "Longest edge j-i measured (LeMiCa uses about T/4).")
  int maxSkip;

  @Option(names = "--out", required = true, paramLabel = "errors.json", description = "Errors file (created, or continued when it exists).")
  Path out;

  @Option(names = "--batch", defaultValue = "16", description = "Most samples per forward (CFG doubles it). Default: ${DEFAULT-VALUE}.")
  int batch;


  @Option(
      names = "--edge-weight",
      paramLabel = "W",
      defaultValue = "mean",
      description = "What the file's errors matrix holds per edge: mean over the calibration samples (default),"
          + " max (the worst sample: minimax across samples too) or a quantile qQ (e.g. q0.9). Every sample's"
          + " error is kept in per_prompt whatever it is, so `solve --edge-weight` can choose again.")
  String edgeWeight;

  @Option(
      names = "--reuse",
      paramLabel = "RULE",
      defaultValue = "plain",
      description = "How reused steps apply the cached residual while edges are measured: plain (unchanged, as"
          + " published) or magnitude-ratio (scaled by m[k]/m[i], the mean residual norms of the full runs at the"
          + " reusing step k and the computing step i, measured on the full run first and kept in the file)."
          + " Schedules solved from the file (`solve`, `evaluate --errors`, a folder's lemica/errors.json under --budget)"
          + " run under the same rule: solve records it in the schedule file's provenance, and generate and sample apply it. Default: ${DEFAULT-VALUE}.")
  String reuse;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Mixin ComputeOptions compute;

  /** --edge-weight's value, or a one-line fault naming the option. */
  static EdgeWeight edgeWeight(String name) {
    try {
      return EdgeWeight.fromName(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--edge-weight: " + e.getMessage());
    }
  }

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = modelOptions.branches(target);
    Path modelDir = modelOptions.folder();
    EdgeWeight weight = edgeWeight(edgeWeight);
    if (!reuse.equals("plain") && !reuse.equals("magnitude-ratio")) {
      throw new IllegalArgumentException("--reuse: unknown rule '" + reuse + "' (known: plain, magnitude-ratio)");
    }
    List<String> given = prompts.prompts();
    PromptSeeds samples = noise.samples(given);
    List<String> promptList = samples != null ? samples.prompts() : given;
    OutputFile.check(out, ".json");
    Ranks ranks = Ranks.join(target);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionPipeline pipeline = modelOptions.open(target)) {
      GenerationSettings settings = pipeline.resolve(video.request(promptList, modelOptions, samples == null ? 1 : noise.seedCount()));
      Sampler sampler = pipeline.sampler(settings);
      Guidance guidance = pipeline.guidance(settings);
      CalibrationSetup setup =
          new CalibrationSetup(
              modelOptions.label(),
              promptList, noise.describe(), settings.steps(), settings.shift(), settings.guidance(), maxSkip,
              branches.toString().toLowerCase(java.util.Locale.ROOT), target.toString(), sampler.describe(),
              pipeline instanceof TextToVideoPipeline ? null : settings.width() + "x" + settings.height() + "x" + settings.frames(),
              reuse, samples != null ? samples.seeds() : null);
      Tensor initial = noise.noise(samples, pipeline.noiseShape(settings));
      Conditioning text = pipeline.encode(settings);
      long begin = System.nanoTime();
      pipeline.withTransformer(transformer -> {
        CalibrationJob job =
            new CalibrationJob(transformer, text.cond(), text.uncond(), guidance, initial, setup, sampler, branches, batch, weight);
        try (CalibrationProgress progress = new CalibrationProgress(quiet || !ranks.leads())) {
          return ShardedCalibration.run(job, out, ranks.hostWorld(), progress);
        }
      });
      if (ranks.leads()) {
        System.out.printf(
            "wrote %s: %d steps, max skip %d, %d sample(s)%s, %.1f s%n",
            out, settings.steps(), maxSkip, promptList.size(), ranks.size() > 1 ? ", " + ranks.size() + " ranks" : "",
            (System.nanoTime() - begin) / 1e9);
      }
    }
    return 0;
  }
}
