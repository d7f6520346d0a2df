package dev.lemica.cli;

import dev.lemica.model.ComputeTarget;
import dev.lemica.torch.TorchRuntime;
import picocli.CommandLine.Option;

/** --device, --dtype and --threads, shared by every command that runs a model. */
final class ComputeOptions {
  @Option(
      names = "--device",
      defaultValue = "cpu",
      description = "cpu, cuda or cuda:N (cuda needs the GPU build: mvn -Pgpu; under `lemica launch` cuda is each rank's"
          + " own GPU, cuda:LOCAL_RANK). Default: ${DEFAULT-VALUE}.")
  String device;

  @Option(
      names = "--dtype",
      defaultValue = "float32",
      description = "Compute dtype: float32, bfloat16 or float16. Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(
      names = "--threads",
      description = "LibTorch intra-op threads (default: 1 on CPU, since its BLAS already uses every core).")
  Integer threads;

  /** The target; one of several launched ranks takes "cuda" as its own GPU, cuda:LOCAL_RANK. */
  ComputeTarget target() {
    TorchRuntime.configure(threads);
    String d = device;
    var env = dev.lemica.distributed.DistributedEnvironment.current();
    if (env.isPresent() && d.trim().equalsIgnoreCase("cuda")) {
      d = "cuda:" + env.get().localRank();
    }
    return ComputeTarget.parse(d, dtype);
  }
}
