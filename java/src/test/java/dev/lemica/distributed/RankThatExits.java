package dev.lemica.distributed;

import dev.lemica.model.ComputeTarget;

/**
 * A launched rank for the launcher's failure test: the rank named by the first argument exits at
 * once with the code in the second, before it joins; every other rank joins and waits at a barrier.
 */
public final class RankThatExits {
  private RankThatExits() {}

  public static void main(String[] args) {
    int exiting = Integer.parseInt(args[0]);
    DistributedEnvironment env = DistributedEnvironment.current().orElseThrow();
    if (env.rank() == exiting) {
      System.exit(Integer.parseInt(args[1]));
    }
    try (DistributedSession session = DistributedSession.join(env, ComputeTarget.CPU_FLOAT32)) {
      session.world().barrier();
      System.out.println("rank " + env.rank() + " passed the barrier");
    } catch (DistributedException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }
}
