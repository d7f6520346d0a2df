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
    ComputeTarget target = ComputeTarget.parse(d, dtype);
    if (env.isPresent() && target.isCuda() && env.get().localRank() >= org.bytedeco.pytorch.global.torch.cuda_device_count()) {
      throw new IllegalArgumentException(
          "--device " + device + ": rank " + env.get().rank() + " is LOCAL_RANK " + env.get().localRank() + " but this host has "
              + org.bytedeco.pytorch.global.torch.cuda_device_count() + " CUDA device(s): start at most that many ranks per host");
    }
    return target;
  }
}
