package dev.lemica.calibration;

import dev.lemica.cache.ReuseRule;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Sampler;
import dev.lemica.solver.EdgeWeight;
import dev.lemica.text.PromptEmbeddings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A calibration of one model on a set of prompts: runs the {@link Calibrator} and keeps the errors
 * file up to date after every group, continuing a file left by an interrupted run.
 */
public final class CalibrationJob {
  private static final String TEXT = "encoder_hidden_states";
  private final DiffusionTransformer model;
  private final Map<String, Tensor> cond;
  private final Map<String, Tensor> uncond;
  private final Guidance guidance;
  private final Tensor noise;
  private final CalibrationSetup setup;
  private final Sampler sampler;
  private final GuidedDenoiser.Branches branches;
  private final int maxRowsPerBatch;
  private final EdgeWeight weight;
  /** The rule this job's edges were measured under, once a run has chosen it. */
  private ReuseRule reuse;

  /** A calibration sampled with the embedded model's flow-matching Euler (setup.steps(), setup.shift()). */
  public CalibrationJob(
      DiffusionTransformer model,
      PromptEmbeddings text,
      Tensor noise,
      CalibrationSetup setup,
      GuidedDenoiser.Branches branches,
      int maxRowsPerBatch) {
    this(model, text, noise, setup, new FlowMatchEuler(setup.steps(), setup.shift()), branches, maxRowsPerBatch);
  }

  /**
   * @param sampler any sampler of {@code setup.steps()} steps, whose {@code describe()} the setup
   *     records; a stochastic one draws the reference's noise from its own source
   */
  public CalibrationJob(
      DiffusionTransformer model,
      PromptEmbeddings text,
      Tensor noise,
      CalibrationSetup setup,
      Sampler sampler,
      GuidedDenoiser.Branches branches,
      int maxRowsPerBatch) {
    this(model, Map.of(TEXT, text.cond()), Map.of(TEXT, text.uncond()), Guidance.classifierFree(setup.guidance()),
        noise, setup, sampler, branches, maxRowsPerBatch);
  }

  /**
   * A calibration of any pipeline's transformer: its conditioning inputs per CFG branch (batch-first
   * tensors of the prompts' batch are stacked when edges run together; others are shared) and its
   * guidance rule; the errors matrix holds each edge's mean over the samples.
   */
  public CalibrationJob(
      DiffusionTransformer model,
      Map<String, Tensor> cond,
      Map<String, Tensor> uncond,
      Guidance guidance,
      Tensor noise,
      CalibrationSetup setup,
      Sampler sampler,
      GuidedDenoiser.Branches branches,
      int maxRowsPerBatch) {
    this(model, cond, uncond, guidance, noise, setup, sampler, branches, maxRowsPerBatch, EdgeWeight.MEAN);
  }

  /**
   * @param weight what the file's {@code errors} matrix holds per edge (every sample's value is
   *     kept in {@code per_prompt} whatever it is)
   */
  public CalibrationJob(
      DiffusionTransformer model,
      Map<String, Tensor> cond,
      Map<String, Tensor> uncond,
      Guidance guidance,
      Tensor noise,
      CalibrationSetup setup,
      Sampler sampler,
      GuidedDenoiser.Branches branches,
      int maxRowsPerBatch,
      EdgeWeight weight) {
    if (noise.size(0) != setup.prompts().size()) {
      throw new IllegalArgumentException(
          "calibration has " + setup.prompts().size() + " prompts and " + noise.size(0) + " noise samples");
    }
    if (sampler.steps() != setup.steps() || !sampler.describe().equals(setup.sampler())) {
      throw new IllegalArgumentException("the calibration setup records " + setup.steps() + " steps of " + setup.sampler()
          + ", but the sampler runs " + sampler.steps() + " steps of " + sampler.describe());
    }
    this.sampler = sampler;
    this.model = model;
    this.cond = Map.copyOf(cond);
    this.uncond = Map.copyOf(uncond);
    this.guidance = guidance;
    this.noise = noise;
    this.setup = setup;
    this.branches = branches;
    this.maxRowsPerBatch = maxRowsPerBatch;
    this.weight = weight;
  }

  /** The starting point: the measured part of {@code out} when it exists, else nothing measured. */
  public EdgeErrors initialErrors(Path out) {
    return Files.exists(out)
        ? ErrorsFile.resume(out, setup)
        : new EdgeErrors(setup.steps(), setup.maxSkip(), setup.prompts().size());
  }

  public CalibrationSetup setup() {
    return setup;
  }

  /** Measures every edge still missing in {@code errors}, saving {@code out} after each group. */
  public EdgeErrors run(EdgeErrors errors, Path out, CalibrationListener listener) {
    return run(errors, out, listener, j -> true);
  }

  /**
   * Measures the missing edges of the groups (end steps j) {@code groups} selects, saving
   * {@code out} after each: one process's share of a calibration split across processes.
   */
  public EdgeErrors run(EdgeErrors errors, Path out, CalibrationListener listener, java.util.function.IntPredicate groups) {
    long start = System.nanoTime();
    double before = out != null && Files.exists(out) ? previousSeconds(out) : 0;
    ReuseRule saved = out != null && Files.exists(out) ? ErrorsFile.savedReuse(out, setup.steps()) : ReuseRule.PLAIN;
    Calibrator.ReuseChoice choice =
        setup.reuse().equals("plain") ? Calibrator.ReuseChoice.PLAIN
            // A continued file keeps the magnitudes its first edges were measured under.
            : saved.cliName().equals(setup.reuse()) ? reference -> saved
            : reference -> ReuseRule.magnitudeRatio(reference.residualMagnitudes());
    Calibrator calibrator = new Calibrator(sampler, this::denoiser, noise, maxRowsPerBatch, choice);
    calibrator.run(
        errors,
        new CalibrationListener() {
          @Override
          public void started(long totalUnits) {
            listener.started(totalUnits);
          }

          @Override
          public void progressed(long units) {
            listener.progressed(units);
          }

          @Override
          public void groupDone(int j, EdgeErrors e) {
            reuse = calibrator.reuseRule();
            if (out != null) {
              write(out, e, before + (System.nanoTime() - start) / 1e9, List.of());
            }
            listener.groupDone(j, e);
          }
        },
        groups);
    if (calibrator.reuseRule() != null) {
      reuse = calibrator.reuseRule();
    }
    if (out != null) {
      write(out, errors, before + (System.nanoTime() - start) / 1e9, List.of(out));
    }
    return errors;
  }

  /**
   * Writes {@code errors} as this job's errors file: its edge weight, and the reuse rule the edges
   * were measured under. When this process measured nothing (a continued complete file, a rank
   * without groups), the rule is the one recorded in {@code measured}, files of this setup that
   * other runs wrote.
   *
   * @throws IllegalStateException when a corrected reuse's magnitudes are known nowhere
   */
  public void write(Path out, EdgeErrors errors, double seconds, List<Path> measured) {
    ReuseRule rule = reuse;
    for (Path p : measured) {
      if (rule == null && Files.exists(p)) {
        rule = ErrorsFile.savedReuse(p, setup.steps());
      }
    }
    if (rule == null && !setup.reuse().equals("plain")) {
      throw new IllegalStateException(out + ": no run measured the " + setup.reuse() + " magnitudes of this calibration");
    }
    ErrorsFile.write(out, setup, errors, seconds, weight, rule == null ? ReuseRule.PLAIN : rule);
  }

  /** The seconds a saved errors file says its calibration took so far (0 when it does not say). */
  public static double previousSeconds(Path out) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(out)).path("calibration_seconds").asDouble(0);
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  private GuidedDenoiser denoiser(dev.lemica.cache.ResidualCache cache, int repeats) {
    return new GuidedDenoiser(model, stacked(cond, repeats), stacked(uncond, repeats), guidance, cache, branches);
  }

  private Map<String, Tensor> stacked(Map<String, Tensor> inputs, int repeats) {
    Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    inputs.forEach((name, t) -> out.put(name, t.dim() > 0 && t.size(0) == noise.size(0) ? stacked(t, repeats) : t));
    return out;
  }

  private static Tensor stacked(Tensor t, int repeats) {
    if (repeats == 1) {
      return t;
    }
    TensorVector copies = new TensorVector();
    for (int i = 0; i < repeats; i++) {
      copies.push_back(t);
    }
    return torch.cat(copies, 0);
  }
}
