package dev.lemica.cli;

import dev.lemica.schedule.Provenance;
import dev.lemica.schedule.Schedule;
import dev.lemica.schedule.ScheduleFile;
import dev.lemica.solver.AllBudgets;
import dev.lemica.solver.EdgeWeight;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.solver.Objective;
import dev.lemica.solver.SampledErrors;
import dev.lemica.solver.ScheduleSolver;
import dev.lemica.solver.SolvedSchedule;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code lemica solve}: error matrix in, optimal schedule(s) out. */
@Command(
    name = "solve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Chooses which denoising steps compute, given the error matrix from calibration.",
      "A schedule with budget B computes exactly B of the T steps (always the first and the last)"
          + " and reuses the last computed residual in between. The solver is exact: it returns the"
          + " optimal path under the objective, and among equally good ones the one that computes"
          + " earliest (lexicographically smallest steps).",
      "Prints the chosen steps and the worst edge error; with --out, writes a lemica-schedule/1 JSON file."
    },
    footer = {
      "",
      "Error matrix: {\"steps\": T, \"errors\": [[null|number, ...], ...], \"max_skip\": L}. Row i,"
          + " column j is the error of computing at i and j and reusing i in between; null = no edge"
          + " (unmeasured or beyond max_skip). w(i,i+1) must be 0 or null. Other keys are metadata;"
          + " model, sampler and cfg_mode go into the schedule's provenance with the file's SHA-256."
    })
public final class SolveCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--errors", required = true, paramLabel = "FILE", description = "Error matrix JSON written by calibration.")
  Path errors;

  @Option(names = "--budget", paramLabel = "B", description = "Number of steps that compute, 2..T (first and last included).")
  Integer budget;

  @Option(
      names = "--all-budgets",
      description = "Solve every budget 2..T in one run and print the error curve. With --out, PATH is a"
          + " directory that receives one schedule file per feasible budget, named budget-NN.json"
          + " (zero-padded to the digits of T); infeasible budgets are skipped.")
  boolean allBudgets;

  @Option(
      names = "--max-skip",
      paramLabel = "L",
      description = "Longest allowed skip j-i. Defaults to the file's max_skip (else T-1); it can only"
          + " tighten the file's value, never extend it.")
  Integer maxSkip;

  @Option(
      names = "--objective",
      paramLabel = "NAME",
      description = "lex-minimax (default, LeMiCa): smallest worst edge error, then smallest second"
          + " worst, and so on. min-sum: smallest total error. minimax-sum: smallest worst edge, then"
          + " smallest total.")
  String objective;

  @Option(
      names = "--uniform",
      description = "Instead of solving, take the evenly spaced schedule with --budget steps and report"
          + " its errors on the matrix (for comparison).")
  boolean uniform;

  @Option(
      names = "--edge-weight",
      paramLabel = "W",
      description = "Rebuild each edge's weight from the file's per-sample errors (per_prompt) instead of taking its"
          + " errors matrix: mean (LeMiCa's average over calibration samples), max (the worst sample, so that"
          + " the schedule is minimax across prompts and seeds too) or a quantile qQ, 0 < Q < 1 (e.g. q0.9;"
          + " linear interpolation as NumPy's default). Recorded in the schedule's provenance.")
  String edgeWeight;

  @Option(
      names = "--samples",
      paramLabel = "SEL",
      description = "Only these calibration samples (indices into the file's per_prompt, e.g. 0-3,6), weighted by"
          + " --edge-weight (default mean): one calibration of many prompts and seeds answers every subset.")
  String samples;

  @Option(names = "--out", paramLabel = "PATH", description = "Where to write the schedule (a directory with --all-budgets). Without it, nothing is written.")
  Path out;

  @Override
  public Integer call() {
    checkOptions();
    PrintWriter w = spec.commandLine().getOut();
    ErrorMatrix matrix = readMatrix();
    if (maxSkip != null) {
      if (maxSkip < 1) {
        throw new ParameterException(spec.commandLine(), "--max-skip must be at least 1, got " + maxSkip);
      }
      matrix = matrix.withMaxSkip(maxSkip);
    }
    Provenance provenance =
        Provenance.fromErrors(errors.toString(), matrix.sha256().orElse(null), matrix.steps(), matrix.metadata());
    if (uniform) {
      writeUniform(w, matrix, provenance);
    } else if (allBudgets) {
      writeAll(w, matrix, provenance, Objective.fromName(objective == null ? "lex-minimax" : objective));
    } else {
      Objective goal = Objective.fromName(objective == null ? "lex-minimax" : objective);
      SolvedSchedule s = ScheduleSolver.solve(matrix, budget, goal);
      w.printf("%s schedule, budget %d of %d steps (max skip %d):%n", goal, budget, matrix.steps(), matrix.maxSkip());
      w.println("  " + s.schedule().toList());
      int[] e = s.worstEdge();
      w.printf("worst edge error %s (edge %d->%d)%n", number(s.worstError()), e[0], e[1]);
      if (out != null) {
        ScheduleFile.solved(s.schedule(), goal.cliName(), matrix.maxSkip(), s.sortedErrors(), provenance).write(out);
        w.println("wrote " + out);
      }
    }
    w.flush();
    return 0;
  }

  /** The file's errors matrix, or one weighted afresh from its per-sample errors. */
  private ErrorMatrix readMatrix() {
    if (edgeWeight == null && samples == null) {
      return ErrorMatrix.read(errors);
    }
    SampledErrors sampled = SampledErrors.read(errors);
    if (samples != null) {
      sampled = sampled.select(SampledErrors.parseSelection(samples));
    }
    return sampled.matrix(edgeWeight == null ? EdgeWeight.MEAN : EdgeWeight.fromName(edgeWeight));
  }

  private void checkOptions() {
    if (allBudgets == (budget != null)) {
      throw new ParameterException(spec.commandLine(), "give exactly one of --budget B and --all-budgets");
    }
    if (uniform && allBudgets) {
      throw new ParameterException(spec.commandLine(), "--uniform needs --budget, not --all-budgets");
    }
    if (uniform && objective != null) {
      throw new ParameterException(spec.commandLine(), "--uniform is not solved, so it takes no --objective");
    }
    if (edgeWeight != null) {
      try {
        EdgeWeight.fromName(edgeWeight);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--edge-weight: " + e.getMessage());
      }
    }
    if (objective != null) {
      try {
        Objective.fromName(objective);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--objective: " + e.getMessage());
      }
    }
  }

  private void writeUniform(PrintWriter w, ErrorMatrix matrix, Provenance provenance) {
    if (budget < 2 || budget > matrix.steps()) {
      throw new IllegalArgumentException(matrix.source() + ": budget " + budget + " is outside 2.." + matrix.steps());
    }
    Schedule plain = Schedule.uniform(matrix.steps(), budget);
    w.printf("uniform schedule, budget %d of %d steps:%n  %s%n", budget, matrix.steps(), plain.toList());
    double[] sorted = null;
    try {
      SolvedSchedule s = SolvedSchedule.evaluate(matrix, plain, "uniform");
      int[] e = s.worstEdge();
      w.printf("worst edge error %s (edge %d->%d)%n", number(s.worstError()), e[0], e[1]);
      sorted = s.sortedErrors();
    } catch (IllegalArgumentException missingEdge) {
      // The uniform schedule exists whatever the matrix holds; only its errors can be unknown.
      w.println("errors unknown: " + missingEdge.getMessage());
    }
    if (out != null) {
      ScheduleFile.solved(plain, "uniform", null, sorted, provenance).write(out);
      w.println("wrote " + out);
    }
  }

  private void writeAll(PrintWriter w, ErrorMatrix matrix, Provenance provenance, Objective goal) {
    AllBudgets all = ScheduleSolver.solveAllBudgets(matrix, goal);
    List<SolvedSchedule> list = all.schedules();
    if (list.isEmpty()) {
      throw new IllegalArgumentException(matrix.source() + ": no budget has a feasible schedule within max skip " + matrix.maxSkip());
    }
    int width = Integer.toString(matrix.steps()).length();
    w.printf("%s schedules for %d budgets of %d steps (max skip %d):%n", goal, list.size(), matrix.steps(), matrix.maxSkip());
    w.printf("%" + Math.max(6, width) + "s  %-12s  %-12s  %s%n", "budget", "worst_error", "total_error", "steps");
    for (SolvedSchedule s : list) {
      w.printf("%" + Math.max(6, width) + "d  %-12s  %-12s  %s%n",
          s.schedule().budget(), number(s.worstError()), number(s.totalError()), s.schedule().toList());
    }
    if (out != null) {
      for (SolvedSchedule s : list) {
        String name = String.format(Locale.ROOT, "budget-%0" + width + "d.json", s.schedule().budget());
        ScheduleFile.solved(s.schedule(), goal.cliName(), matrix.maxSkip(), s.sortedErrors(), provenance)
            .write(out.resolve(name));
      }
      w.printf("wrote %d schedule files to %s%n", list.size(), out);
    }
  }

  /** The shortest decimal that reads back as x, without exponent: what the schedule file holds. */
  private static String number(double x) {
    return new BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
  }
}
