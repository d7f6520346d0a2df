package dev.lemica.distributed;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where this process stands in a multi-process run, from the torchrun convention's environment:
 * {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK} (the rank on this host, which picks the GPU),
 * {@code MASTER_ADDR} and {@code MASTER_PORT} (where rank 0 serves the rendezvous store). Whatever
 * starts the processes sets them: {@code lemica launch}, torchrun, a Slurm or Kubernetes job script.
 * {@code LEMICA_DIST_TIMEOUT} (seconds) bounds joining and every collective.
 *
 * <p>Under torchrun ({@code TORCHELASTIC_USE_AGENT_STORE=True}) the store at MASTER_ADDR:MASTER_PORT
 * is torchrun's own agent store, already served: every rank then connects as a client and keeps its
 * keys under {@code /worker/attempt_<TORCHELASTIC_RESTART_COUNT>}, as torch.distributed does.
 *
 * @param agentStorePrefix the key prefix in a store someone else serves (torchrun's agent), or null
 *     when rank 0 serves the store itself
 */
public record DistributedEnvironment(
    int rank, int worldSize, int localRank, String masterAddr, int masterPort, Duration timeout, String agentStorePrefix) {
  public static final String RANK = "RANK";
  public static final String WORLD_SIZE = "WORLD_SIZE";
  public static final String LOCAL_RANK = "LOCAL_RANK";
  public static final String MASTER_ADDR = "MASTER_ADDR";
  public static final String MASTER_PORT = "MASTER_PORT";
  public static final String TIMEOUT = "LEMICA_DIST_TIMEOUT";
  public static final String USE_AGENT_STORE = "TORCHELASTIC_USE_AGENT_STORE";
  public static final String RESTART_COUNT = "TORCHELASTIC_RESTART_COUNT";
  /** PyTorch's default process-group timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
  /** A year: beyond it c10d's millisecond timeouts would only risk overflowing. */
  public static final double MAX_TIMEOUT_SECONDS = 365 * 86400;

  public DistributedEnvironment {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(RANK + "=" + rank + " must be in 0.." + (worldSize - 1) + " (" + WORLD_SIZE + "=" + worldSize + ")");
    }
    if (localRank < 0) {
      throw new IllegalArgumentException(LOCAL_RANK + "=" + localRank + " must not be negative");
    }
    if (masterPort < 1 || masterPort > 65535) {
      throw new IllegalArgumentException(MASTER_PORT + "=" + masterPort + " must be a TCP port (1..65535)");
    }
    if (masterAddr == null || masterAddr.isBlank()) {
      throw new IllegalArgumentException(MASTER_ADDR + " is empty: the host of rank 0");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(TIMEOUT + " must be a positive number of seconds");
    }
  }

  /** A run whose rank 0 serves the rendezvous store (lemica launch, Slurm or Kubernetes scripts). */
  public DistributedEnvironment(int rank, int worldSize, int localRank, String masterAddr, int masterPort, Duration timeout) {
    this(rank, worldSize, localRank, masterAddr, masterPort, timeout, null);
  }

  /** Whether rank 0 serves the store (else it is torchrun's agent store, served before any rank starts). */
  public boolean ranksServeTheStore() {
    return agentStorePrefix == null;
  }

  /** This process's environment; empty when it was not started as one of several ranks. */
  public static Optional<DistributedEnvironment> current() {
    return from(System.getenv());
  }

  /**
   * The run described by {@code env}, or empty when {@code WORLD_SIZE} is unset or 1 (one process,
   * nothing to join).
   *
   * @throws IllegalArgumentException naming the variable that is missing or malformed
   */
  public static Optional<DistributedEnvironment> from(Map<String, String> env) {
    String world = env.get(WORLD_SIZE);
    if (world == null || world.isBlank()) {
      return Optional.empty();
    }
    int worldSize = integer(env, WORLD_SIZE);
    if (worldSize == 1) {
      return Optional.empty();
    }
    if (worldSize < 1) {
      throw new IllegalArgumentException(WORLD_SIZE + "=" + world + " must be at least 1");
    }
    return Optional.of(new DistributedEnvironment(
        integer(env, RANK), worldSize, integer(env, LOCAL_RANK), required(env, MASTER_ADDR), integer(env, MASTER_PORT), timeout(env),
        agentStorePrefix(env)));
  }

  public boolean leads() {
    return rank == 0;
  }

  /** torch.distributed's {@code _torchelastic_use_agent_store()}: the variable is exactly "True". */
  private static String agentStorePrefix(Map<String, String> env) {
    if (!"True".equals(env.get(USE_AGENT_STORE))) {
      return null;
    }
    String attempt = env.getOrDefault(RESTART_COUNT, "0").trim();
    if (!attempt.matches("\\d+")) {
      throw new IllegalArgumentException(RESTART_COUNT + "=" + attempt + ": not a non-negative integer");
    }
    return "/worker/attempt_" + attempt;
  }

  private static Duration timeout(Map<String, String> env) {
    String v = env.get(TIMEOUT);
    if (v == null || v.isBlank()) {
      return DEFAULT_TIMEOUT;
    }
    try {
      double seconds = Double.parseDouble(v.trim());
      if (!(seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS)) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(TIMEOUT + "=" + v + ": expected a positive number of seconds up to " + (long) MAX_TIMEOUT_SECONDS);
    }
  }

  private static String required(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(
          name + " is not set: with " + WORLD_SIZE + " set, every process needs " + RANK + ", " + LOCAL_RANK + ", "
              + MASTER_ADDR + " and " + MASTER_PORT + " (torchrun's convention; lemica launch sets them)");
    }
    return v.trim();
  }

  private static int integer(Map<String, String> env, String name) {
    String v = required(env, name);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "=" + v + ": not an integer");
    }
  }
}
