package dev.lemica.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.torch.Tensors;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.junit.jupiter.api.Test;

/**
 * Under torchrun the store at MASTER_ADDR:MASTER_PORT is its agent's, served before the ranks start
 * (TORCHELASTIC_USE_AGENT_STORE=True): the ranks join it as clients, under the attempt's prefix, and
 * their groups work as with a store of their own.
 */
class TorchrunStoreTest {
  @Test
  void theEnvironmentNamesTheAgentsStore() {
    Map<String, String> env = DistributedPlanningTest.launched(1, 2);
    assertTrue(DistributedEnvironment.from(env).orElseThrow().ranksServeTheStore());
    env.put("TORCHELASTIC_USE_AGENT_STORE", "True");
    env.put("TORCHELASTIC_RESTART_COUNT", "2");
    assertEquals("/worker/attempt_2", DistributedEnvironment.from(env).orElseThrow().agentStorePrefix());
    env.put("TORCHELASTIC_RESTART_COUNT", "x");
    dev.lemica.testing.OneLine.assertOneLine("TORCHELASTIC_RESTART_COUNT=x", "not a non-negative integer", () -> DistributedEnvironment.from(env));
  }

  @Test
  void ranksJoinAStoreServedByTheAgent() {
    int port = ThreadRanks.freePort();
    TCPStoreOptions options = new TCPStoreOptions();
    options.port((short) port);
    options.isServer(true);
    options.waitWorkers(false);
    options.timeout(new Milliseconds(10_000));
    TCPStore agent = new TCPStore("127.0.0.1", options);
    try {
      Duration timeout = Duration.ofSeconds(20);
      List<double[]> out = ThreadRanks.run(
          3, r -> new DistributedEnvironment(r, 3, r, "127.0.0.1", port, timeout, "/worker/attempt_0"), r -> ComputeTarget.CPU_FLOAT32,
          session -> {
            session.world().barrier();
            // A group of two of the three ranks: its own key space in the agent's store.
            double[] pair = session.rank() < 2
                ? Tensors.toDoubles(session.group(new int[] {0, 1}).allGather(Tensors.fromDoubles(new double[] {session.rank()}, 1)))
                : new double[] {0, 1};
            double[] all = Tensors.toDoubles(session.world().allGather(Tensors.fromDoubles(new double[] {10 + session.rank()}, 1)));
            return new double[] {pair[0], pair[1], all[0], all[1], all[2]};
          });
      for (double[] rank : out) {
        assertArrayEquals(new double[] {0, 1, 10, 11, 12}, rank);
      }
    } finally {
      agent.close();
    }
  }
}
