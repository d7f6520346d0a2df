package dev.lemica.distributed;

import dev.lemica.model.ComputeTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;

/**
 * The ranks of a run as threads of the test JVM, each with its own c10d session: a real TCPStore
 * rendezvous and real Gloo groups over 127.0.0.1, without a JVM start per rank (the launcher's own
 * test starts processes). Every rank is bounded by the session timeout, and the whole run by a
 * multiple of it, so a broken rank fails the test instead of hanging it.
 */
final class ThreadRanks {
  /** One rank's part; what it returns must outlive its pointer scope (Java values, not tensors). */
  interface Work<R> {
    R run(DistributedSession session) throws Exception;
  }

  private ThreadRanks() {}

  static <R> List<R> run(int ranks, Duration timeout, Work<R> work) {
    return run(ranks, timeout, rank -> ComputeTarget.CPU_FLOAT32, work);
  }

  /** @param targets where each rank computes: CUDA ranks join over NCCL */
  static <R> List<R> run(int ranks, Duration timeout, java.util.function.IntFunction<ComputeTarget> targets, Work<R> work) {
    int port = freePort();
    return run(ranks, r -> new DistributedEnvironment(r, ranks, r, "127.0.0.1", port, timeout), targets, work);
  }

  /** @param environments each rank's environment, as a launcher would set it */
  static <R> List<R> run(
      int ranks, java.util.function.IntFunction<DistributedEnvironment> environments, java.util.function.IntFunction<ComputeTarget> targets,
      Work<R> work) {
    Duration timeout = environments.apply(0).timeout();
    ExecutorService pool = Executors.newFixedThreadPool(ranks, r -> {
      Thread t = new Thread(r, "test-rank");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<R>> futures = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        DistributedEnvironment env = environments.apply(r);
        ComputeTarget target = targets.apply(r);
        futures.add(pool.submit(() -> {
          try (InferenceMode inference = new InferenceMode();
              PointerScope scope = new PointerScope();
              DistributedSession session = DistributedSession.join(env, target)) {
            return work.run(session);
          }
        }));
      }
      long deadline = System.nanoTime() + timeout.multipliedBy(4).toNanos();
      List<R> results = new ArrayList<>();
      Throwable failure = null;
      for (Future<R> f : futures) {
        try {
          results.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (ExecutionException e) {
          failure = cause(failure, e.getCause());
        }
      }
      if (failure instanceof RuntimeException r) {
        throw r;
      }
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
      return results;
    } catch (TimeoutException e) {
      throw new AssertionError("the ranks did not finish within " + timeout.multipliedBy(4).toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The failure to report of two ranks' failures: the one that is not a collective's. When one rank
   * throws, its peers fail in their next collective (the peer closed its connection); which rank
   * throws first is up to the scheduler, so the collective's failure is only a consequence.
   */
  private static Throwable cause(Throwable seen, Throwable next) {
    if (seen == null || (seen instanceof DistributedException && !(next instanceof DistributedException))) {
      return next;
    }
    return seen;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
