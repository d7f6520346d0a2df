package dev.lemica.distributed;

import dev.lemica.model.ComputeTarget;
import java.util.Optional;

/**
 * The process-wide session of a process started as one rank of several (as torch.distributed keeps
 * its default group): joined on first use from the environment, shared by every command the process
 * runs, left when the process ends.
 */
public final class Distributed {
  /** Set by {@code lemica launch}: its children stop when it does. */
  static final String LAUNCHER_PID = "LEMICA_LAUNCHER_PID";

  private static DistributedSession session;
  private static boolean cuda;

  private Distributed() {}

  /**
   * This process's session, joining it on the first call; empty when the environment names no
   * multi-process run (see {@link DistributedEnvironment}).
   *
   * @param target where this process computes: CUDA joins over NCCL, the CPU over Gloo
   */
  public static synchronized Optional<DistributedSession> join(ComputeTarget target) {
    if (session != null) {
      if (cuda != target.isCuda()) {
        throw new IllegalArgumentException("--device " + target.deviceName() + ": this process already joined its ranks for "
            + (cuda ? "CUDA (NCCL)" : "the CPU (Gloo)"));
      }
      return Optional.of(session);
    }
    Optional<DistributedEnvironment> env = DistributedEnvironment.current();
    if (env.isEmpty()) {
      return Optional.empty();
    }
    stopWithLauncher();
    session = DistributedSession.join(env.get(), target);
    cuda = target.isCuda();
    return Optional.of(session);
  }

  /** Whether this process runs as a rank other than 0 of a multi-process run (and should stay quiet). */
  public static boolean follows() {
    return DistributedEnvironment.current().map(e -> !e.leads()).orElse(false);
  }

  /** A rank whose launcher is gone (killed, not just finished) would wait for peers that never come. */
  private static void stopWithLauncher() {
    String pid = System.getenv(LAUNCHER_PID);
    if (pid == null) {
      return;
    }
    try {
      ProcessHandle.of(Long.parseLong(pid.trim())).ifPresentOrElse(
          launcher -> launcher.onExit().thenRun(() -> Runtime.getRuntime().halt(143)),
          () -> Runtime.getRuntime().halt(143));
    } catch (NumberFormatException ignored) {
      // not set by our launcher
    }
  }
}
