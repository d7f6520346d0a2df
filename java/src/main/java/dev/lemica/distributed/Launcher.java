package dev.lemica.distributed;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the ranks of this host as child JVMs in the torchrun convention (RANK, WORLD_SIZE,
 * LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and waits for them. Each child gets an
 * equal share of the CPU cores (its JVM's processor count, OMP_NUM_THREADS), so that N ranks on one
 * CPU do not each spread their matrix products over every core. Rank 0's output passes through;
 * the other ranks print only their error lines, prefixed with their rank. When a rank fails the
 * others get {@link Launch#grace} to stop by themselves (they notice the lost peer and say so), then
 * they are stopped; the launcher's exit code is the first failing rank's.
 */
public final class Launcher {
  /** The line Gloo prints on stdout for every rank as it connects. */
  private static final String GLOO_CONNECTED = "[Gloo] Rank ";

  private final Launch launch;
  private final PrintStream out;
  private final PrintStream err;

  public Launcher(Launch launch, PrintStream out, PrintStream err) {
    this.launch = launch;
    this.out = out;
    this.err = err;
  }

  /** Starts the ranks, waits for all of them, and returns 0 or the first failing rank's exit code. */
  public int run() {
    int port = launch.masterPort() != 0 ? launch.masterPort() : freePort(launch.masterAddr());
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / launch.processes());
    List<Process> children = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Thread> pumps = new ArrayList<>();
    Thread stopChildren = new Thread(() -> children.forEach(Process::destroyForcibly));
    Runtime.getRuntime().addShutdownHook(stopChildren);
    try {
      try {
        for (int local = 0; local < launch.processes(); local++) {
          int rank = launch.nodeRank() * launch.processes() + local;
          Process p = start(rank, local, port, threads);
          children.add(p);
          pumps.add(pump(p.getInputStream(), out, rank));
          pumps.add(pump(p.getErrorStream(), err, rank));
        }
      } catch (RuntimeException e) {
        // The ranks already started would wait for the one that could not start.
        children.forEach(Process::destroyForcibly);
        throw e;
      }
      int code = await(children);
      for (Thread t : pumps) {
        t.join();
      }
      out.flush();
      reportOtherRanksErrors();
      if (code != 0) {
        err.println("launch: " + summary(children));
      }
      err.flush();
      return code;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      children.forEach(Process::destroyForcibly);
      return 130;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopChildren);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  private Process start(int rank, int local, int port, int threads) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(launch.jvmOptions());
    command.add("-XX:ActiveProcessorCount=" + threads);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(launch.mainClass());
    command.addAll(launch.arguments());
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.putAll(launch.environment());
    env.put(DistributedEnvironment.RANK, Integer.toString(rank));
    env.put(DistributedEnvironment.WORLD_SIZE, Integer.toString(launch.worldSize()));
    env.put(DistributedEnvironment.LOCAL_RANK, Integer.toString(local));
    env.put("LOCAL_WORLD_SIZE", Integer.toString(launch.processes()));
    env.put("GROUP_RANK", Integer.toString(launch.nodeRank()));
    env.put(DistributedEnvironment.MASTER_ADDR, launch.masterAddr());
    env.put(DistributedEnvironment.MASTER_PORT, Integer.toString(port));
    if (launch.timeout() != null) {
      env.put(DistributedEnvironment.TIMEOUT, Double.toString(launch.timeout().toMillis() / 1000.0));
    }
    env.put("OMP_NUM_THREADS", Integer.toString(threads));
    env.put(Distributed.LAUNCHER_PID, Long.toString(ProcessHandle.current().pid()));
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("launch: cannot start rank " + rank + " (" + e.getMessage() + ")", e);
    }
  }

  /** Which ranks failed, with their exit codes, and which were stopped. */
  private String summary(List<Process> children) {
    StringBuilder failed = new StringBuilder();
    for (int i = 0; i < children.size(); i++) {
      int code = children.get(i).exitValue();
      if (code != 0) {
        failed.append(failed.length() == 0 ? "" : ", ").append("rank ").append(launch.nodeRank() * launch.processes() + i).append(" (exit code ")
            .append(code).append(stopped.contains(i) ? ", stopped" : "").append(")");
      }
    }
    return failed + (stopped.isEmpty() ? "" : "; the ranks still running " + launch.grace().toSeconds() + " s after the first failure were stopped");
  }

  private final java.util.Set<Integer> stopped = new java.util.HashSet<>();

  /** Waits for every child; after the first failure, the others get the grace period, then are stopped. */
  private int await(List<Process> children) throws InterruptedException {
    int failedRank = -1;
    int failedCode = 0;
    long stopAt = Long.MAX_VALUE;
    boolean stopping = false;
    while (true) {
      boolean running = false;
      for (int i = 0; i < children.size(); i++) {
        Process p = children.get(i);
        if (p.isAlive()) {
          running = true;
        } else if (p.exitValue() != 0 && failedRank < 0) {
          failedRank = launch.nodeRank() * launch.processes() + i;
          failedCode = p.exitValue();
          stopAt = System.nanoTime() + launch.grace().toNanos();
        }
      }
      if (!running) {
        break;
      }
      if (!stopping && System.nanoTime() >= stopAt) {
        stopping = true;
        for (int i = 0; i < children.size(); i++) {
          if (children.get(i).isAlive()) {
            stopped.add(i);
            children.get(i).destroy();
          }
        }
        stopAt = System.nanoTime() + 3_000_000_000L;
      } else if (stopping && System.nanoTime() >= stopAt) {
        children.forEach(Process::destroyForcibly);
      }
      Thread.sleep(50);
    }
    return failedRank >= 0 ? failedCode : 0;
  }

  /**
   * Copies a child's stream as it comes (progress bars redraw with carriage returns, so not line by
   * line), dropping Gloo's connection lines. Rank 0's output passes; the other ranks' error lines
   * are kept for the end, where those rank 0 did not already say are printed (a bad flag fails every
   * rank alike: the user hears it once).
   */
  private Thread pump(InputStream from, PrintStream to, int rank) {
    boolean verbose = System.getenv("LEMICA_DEBUG") != null;
    Thread t = new Thread(() -> {
      // Verbose ranks stream everything, errors included: nothing is kept for the end.
      boolean streams = rank == 0 || verbose;
      RankFilter filter = new RankFilter(streams ? to : null, rank == 0 ? "" : "[rank " + rank + "] ", line -> {
        if (rank == 0 || !streams) {
          synchronized (errors) {
            errors.add(new ErrorLine(rank, line));
          }
        }
      });
      try (from) {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = from.read(buffer)) > 0) {
          filter.write(buffer, n);
        }
      } catch (IOException closed) {
        // the child is gone
      }
      filter.finish();
    }, "lemica-launch-rank-" + rank);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private record ErrorLine(int rank, String line) {}

  private final List<ErrorLine> errors = new ArrayList<>();

  /** The other ranks' error lines that rank 0 did not print itself. */
  private void reportOtherRanksErrors() {
    java.util.Set<String> said = new java.util.HashSet<>();
    synchronized (errors) {
      for (ErrorLine e : errors) {
        if (e.rank() == 0) {
          said.add(e.line());
        }
      }
      for (ErrorLine e : errors) {
        if (e.rank() != 0 && said.add(e.line())) {
          err.println("[rank " + e.rank() + "] " + e.line());
        }
      }
    }
  }

  /**
   * One child's output, line by line: each line's bytes pass on as soon as its start tells its
   * fate; lines starting "error:" are also handed to {@code onError} whole.
   */
  static final class RankFilter {
    private final PrintStream to;
    private final String prefix;
    private final java.util.function.Consumer<String> onError;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    /** 0: deciding on the current line; 1: passing it; 2: dropping it. */
    private int state;
    private boolean error;

    /** @param to where lines pass, or null to pass none */
    RankFilter(PrintStream to, String prefix, java.util.function.Consumer<String> onError) {
      this.to = to;
      this.prefix = prefix;
      this.onError = onError;
    }

    void write(byte[] bytes, int length) {
      for (int i = 0; i < length; i++) {
        byte b = bytes[i];
        if (b == '\n') {
          if (state == 0) {
            decide(true);
          }
          endLine();
          if (state == 1) {
            to.write(b);
          }
          state = 0;
          continue;
        }
        line.write(b);
        if (state == 0) {
          decide(b == '\r');
        } else if (state == 1) {
          to.write(b);
        }
      }
      if (to != null) {
        to.flush();
      }
    }

    /** Passes or drops the line once its first characters tell (or it ended). */
    private void decide(boolean ended) {
      String start = line.toString(java.nio.charset.StandardCharsets.UTF_8);
      if (!ended && (GLOO_CONNECTED.startsWith(start) || "error:".startsWith(start))) {
        return;
      }
      error = start.startsWith("error:");
      boolean pass = to != null && !start.startsWith(GLOO_CONNECTED);
      state = pass ? 1 : 2;
      if (pass) {
        to.print(prefix);
        byte[] bytes = line.toByteArray();
        to.write(bytes, 0, bytes.length);
      }
    }

    private void endLine() {
      if (error) {
        onError.accept(line.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
      }
      error = false;
      line.reset();
    }

    void finish() {
      if (state != 0 || line.size() > 0) {
        if (state == 0) {
          decide(true);
        }
        endLine();
      }
      if (to != null) {
        to.flush();
      }
    }
  }

  /** A free port on {@code host}, which must be this host: rank 0 serves the rendezvous there. */
  private static int freePort(String host) {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (IOException e) {
      throw new IllegalArgumentException("--master-addr " + host + ": no such host");
    }
    try (ServerSocket socket = new ServerSocket(0, 1, address)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--master-addr " + host + " is not an address of this host, where rank 0 serves the rendezvous (" + e.getMessage() + ")");
    }
  }
}
