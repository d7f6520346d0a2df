package dev.lemica.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.Parallelism;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.time.Duration;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** NCCL between GPUs: skipped without CUDA (one GPU: a group of one; two: the Ulysses forward of the Wan golden). */
class NcclTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static ComputeTarget gpu(int index) {
    return ComputeTarget.parse("cuda:" + index, "float32");
  }

  @Test
  void aGroupOfOneGpuRunsEveryCollective() {
    assumeTrue(torch.cuda_is_available(), "no CUDA device");
    List<double[]> out = ThreadRanks.run(1, TIMEOUT, NcclTest::gpu, session -> {
      Communicator world = session.world();
      world.barrier();
      Tensor x = torch.arange(new org.bytedeco.pytorch.Scalar(6)).to(gpu(0).device(), torch.ScalarType.Float);
      Tensor gathered = world.allGather(x.reshape(2, 3));
      Tensor exchanged = world.allToAll(x, new long[] {6}, new long[] {6});
      assertTrue(gathered.is_cuda() && exchanged.is_cuda(), "NCCL collectives stay on the GPU");
      double[] both = new double[12];
      System.arraycopy(Tensors.toDoubles(gathered), 0, both, 0, 6);
      System.arraycopy(Tensors.toDoubles(exchanged), 0, both, 6, 6);
      return both;
    });
    assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}, out.get(0));
  }

  @Test
  void twoGpusSplitTheWanGoldenForward() {
    assumeTrue(torch.cuda_is_available() && torch.cuda_device_count() >= 2, "fewer than two CUDA devices");
    try (SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan").resolve("io.safetensors"))) {
      double[] golden = Tensors.toDoubles(io.tensor("out.sample"));
      List<double[]> out = ThreadRanks.run(2, TIMEOUT, NcclTest::gpu, session -> {
        try (DiffusionTransformer wan = Models.load(Golden.dir("wan"), gpu(session.rank()))) {
          Parallelism split = ParallelPlan.of(ParallelPlan.Mode.ULYSSES, 2, false).join(session);
          return Tensors.toDoubles(wan.forward(ForwardInputs.of(DistributedEquivalenceTest.forwardInputs(io)), BlockStackHook.RUN_ALL, split.sequence()));
        }
      });
      for (double[] rank : out) {
        double err = DistributedEquivalenceTest.relativeL2(rank, golden);
        assertTrue(err < 1e-4, "relative L2 " + err);
      }
      assertEquals(2, out.size());
    }
  }
}
