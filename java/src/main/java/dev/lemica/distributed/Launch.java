package dev.lemica.distributed;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link Launcher} starts: {@code processes} JVMs on this host running {@code mainClass} with
 * {@code arguments}, as ranks nodeRank·processes … of a run over {@code nodes} hosts.
 *
 * @param masterAddr the host of rank 0 (its rendezvous store)
 * @param masterPort its port; 0 picks a free one (one host only)
 * @param timeout how long the ranks wait for each other (LEMICA_DIST_TIMEOUT); null for their default
 * @param jvmOptions options of each child JVM (heap size, ...)
 * @param environment variables set in each child besides the rank's own
 * @param grace how long the others may take to stop by themselves after a rank failed, before they are stopped
 */
public record Launch(
    int processes,
    int nodes,
    int nodeRank,
    String masterAddr,
    int masterPort,
    Duration timeout,
    String mainClass,
    List<String> arguments,
    List<String> jvmOptions,
    Map<String, String> environment,
    Duration grace) {
  /** Beyond this many ranks per core a host only thrashes (a typo such as --nproc 80 instead of 8 would start them all). */
  static final int MAX_RANKS_PER_CORE = 4;

  public Launch {
    if (processes < 1) {
      throw new IllegalArgumentException("--nproc must be at least 1, got " + processes);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    if (processes > MAX_RANKS_PER_CORE * cores) {
      throw new IllegalArgumentException("--nproc " + processes + ": more than " + MAX_RANKS_PER_CORE + " ranks per CPU core of this host ("
          + cores + " cores); every rank is a JVM with its own LibTorch");
    }
    if (nodes < 1) {
      throw new IllegalArgumentException("--nnodes must be at least 1, got " + nodes);
    }
    if (nodeRank < 0 || nodeRank >= nodes) {
      throw new IllegalArgumentException("--node-rank " + nodeRank + " must be in 0.." + (nodes - 1) + " (--nnodes " + nodes + ")");
    }
    if (nodes > 1 && masterPort == 0) {
      throw new IllegalArgumentException("--nnodes " + nodes + ": every host needs the same --master-port (and --master-addr, the host of node rank 0)");
    }
    if (masterPort < 0 || masterPort > 65535) {
      throw new IllegalArgumentException("--master-port " + masterPort + " is not a TCP port");
    }
    arguments = List.copyOf(arguments);
    jvmOptions = List.copyOf(jvmOptions);
    environment = Map.copyOf(environment);
  }

  /** One host, {@code processes} ranks, a free port on 127.0.0.1, the ranks' default timeout. */
  public static Launch local(int processes, String mainClass, List<String> arguments) {
    return new Launch(processes, 1, 0, "127.0.0.1", 0, null, mainClass, arguments, List.of(), Map.of(), Duration.ofSeconds(5));
  }

  public Launch withTimeout(Duration value) {
    return new Launch(processes, nodes, nodeRank, masterAddr, masterPort, value, mainClass, arguments, jvmOptions, environment, grace);
  }

  public Launch withJvmOptions(List<String> value) {
    return new Launch(processes, nodes, nodeRank, masterAddr, masterPort, timeout, mainClass, arguments, value, environment, grace);
  }

  public Launch withEnvironment(Map<String, String> value) {
    return new Launch(processes, nodes, nodeRank, masterAddr, masterPort, timeout, mainClass, arguments, jvmOptions, value, grace);
  }

  public Launch withMaster(String addr, int port) {
    return new Launch(processes, nodes, nodeRank, addr, port, timeout, mainClass, arguments, jvmOptions, environment, grace);
  }

  public Launch withNodes(int count, int rank) {
    return new Launch(processes, count, rank, masterAddr, masterPort, timeout, mainClass, arguments, jvmOptions, environment, grace);
  }

  public int worldSize() {
    return processes * nodes;
  }
}
