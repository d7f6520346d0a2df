package dev.lemica.cli;

import dev.lemica.distributed.ParallelPlan;
import picocli.CommandLine.Option;

/** --parallel: how the ranks of a launched run share each sampling step. */
final class ParallelOptions {
  @Option(
      names = "--parallel",
      defaultValue = "auto",
      paramLabel = "auto|ulysses|cfg",
      description = {
        "Under `lemica launch` (or torchrun-style RANK/WORLD_SIZE variables), how the ranks share each step:"
            + " ulysses splits every forward's tokens over all ranks (an all-to-all around each self-attention;"
            + " Wan2.1 transformers only so far, and at least one attention head per rank); cfg runs the cond and"
            + " uncond branches on two halves of the ranks (one all-gather of the predictions per step; any"
            + " model), with ulysses inside each half on 2xk ranks; auto: cfg on an even number of ranks when"
            + " CFG runs, else ulysses. Every rank ends with the same result. Ignored in a single process."
            + " Default: ${DEFAULT-VALUE}."
      })
  String parallel;

  ParallelPlan.Mode mode() {
    return ParallelPlan.Mode.parse(parallel);
  }
}
