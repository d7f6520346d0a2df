package dev.lemica.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A rank that never joins, or stops answering, makes the others stop with one line within the timeout. */
class DistributedFailureTest {
  static final Duration SHORT = Duration.ofSeconds(2);

  static void assertOneLineWithin(DistributedException e, long startNanos, String... contains) {
    String m = e.getMessage();
    assertEquals(1, m.lines().count(), m);
    for (String c : contains) {
      assertTrue(m.contains(c), m);
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    assertTrue(seconds < SHORT.toSeconds() + 8, "stopped after " + seconds + " s");
  }

  @Test
  void rankZeroAloneStopsWhenTheOthersNeverJoin() {
    DistributedEnvironment env = new DistributedEnvironment(0, 3, 0, "127.0.0.1", ThreadRanks.freePort(), SHORT);
    long start = System.nanoTime();
    DistributedException e = assertThrows(DistributedException.class, () -> DistributedSession.join(env, ComputeTarget.CPU_FLOAT32).close());
    assertOneLineWithin(e, start, "rank 0 of 3", "ranks joined the rendezvous", "within 2 s");
  }

  @Test
  void aRankStopsWhenRankZeroNeverServes() {
    DistributedEnvironment env = new DistributedEnvironment(1, 2, 1, "127.0.0.1", ThreadRanks.freePort(), SHORT);
    long start = System.nanoTime();
    DistributedException e = assertThrows(DistributedException.class, () -> DistributedSession.join(env, ComputeTarget.CPU_FLOAT32).close());
    assertOneLineWithin(e, start, "rank 1 of 2", "no rendezvous at 127.0.0.1:", "rank 0 never started");
  }

  @Test
  void aCollectiveStopsWhenAPeerStopsAnswering() throws InterruptedException {
    CountDownLatch failed = new CountDownLatch(1);
    DistributedException[] seen = new DistributedException[1];
    long[] start = new long[1];
    ThreadRanks.run(2, SHORT, session -> {
      session.world().barrier();
      if (session.rank() == 0) {
        start[0] = System.nanoTime();
        seen[0] = assertThrows(DistributedException.class, () -> session.world().barrier());
        failed.countDown();
      } else {
        // Rank 1 is stuck: it never calls the second barrier, and waits until rank 0 gave up.
        assertTrue(failed.await(20, TimeUnit.SECONDS), "rank 0 gave up");
      }
      return null;
    });
    assertOneLineWithin(seen[0], start[0], "rank 0", "barrier failed", "timed out");
  }

  @Test
  void rankZeroCannotServeOnAPortInUse() throws java.io.IOException {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      DistributedEnvironment env = new DistributedEnvironment(0, 2, 0, "127.0.0.1", taken.getLocalPort(), SHORT);
      long start = System.nanoTime();
      DistributedException e = assertThrows(DistributedException.class, () -> DistributedSession.join(env, ComputeTarget.CPU_FLOAT32).close());
      assertOneLineWithin(e, start, "rank 0 of 2: cannot serve the rendezvous at 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void aCollectiveStopsWhenAPeerLeaves() {
    DistributedException[] seen = new DistributedException[1];
    long[] start = new long[1];
    ThreadRanks.run(2, Duration.ofSeconds(20), session -> {
      session.world().barrier();
      if (session.rank() == 0) {
        start[0] = System.nanoTime();
        seen[0] = assertThrows(DistributedException.class, () -> session.world().barrier());
      } else {
        // Rank 1 leaves: its groups and their connections close, as when its process exits.
        session.close();
      }
      return null;
    });
    String m = seen[0].getMessage();
    assertEquals(1, m.lines().count(), m);
    assertTrue(m.contains("rank 0: barrier failed: a peer closed its connection"), m);
    assertTrue((System.nanoTime() - start[0]) / 1e9 < 10, "noticed at once, not at the 20 s timeout");
  }
}
