package dev.lemica.cli;

import dev.lemica.calibration.PooledErrors;
import dev.lemica.io.OutputFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lemica pool}: errors files calibrated apart under one setup in, one errors file of all their samples out. */
@Command(
    name = "pool",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pools the calibration samples of several errors files into one, as if one calibration had"
          + " measured them all: how prompts and seeds are added to a calibration later without measuring"
          + " the old ones again. Each sample's edge errors are independent of the others', so pooling is"
          + " exact. The files must be complete and agree on model, sampler, steps, shift, guidance,"
          + " max skip, compute, size, metric and reuse rule (the CFG layout may differ).",
      "The pooled file keeps every sample (per_prompt, in the order of the files), their mean as its"
          + " errors, their prompts, each sample's seed where the files tell it, and the sum of the"
          + " calibration seconds. Feed it to `lemica solve` (with --samples and --edge-weight) or"
          + " `lemica evaluate --errors`."
    })
public final class PoolCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "FILE.json", description = "The pooled errors file to write.")
  Path out;

  @Parameters(arity = "2..*", paramLabel = "ERRORS.json", description = "Errors files written by `lemica calibrate`, two or more.")
  List<Path> files;

  @Override
  public Integer call() {
    OutputFile.check(out, ".json");
    PooledErrors pooled = PooledErrors.pool(files);
    pooled.write(out);
    PrintWriter w = spec.commandLine().getOut();
    w.printf("pooled %d samples (%d prompts) of %d files into %s%n",
        pooled.errors().prompts(), pooled.setup().prompts().stream().distinct().count(), files.size(), out);
    w.flush();
    return 0;
  }
}
