package dev.lemica.cli;

import dev.lemica.distributed.DistributedEnvironment;
import dev.lemica.distributed.Launch;
import dev.lemica.distributed.Launcher;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "launch",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs a command as N ranks on this host (one JVM each, and one GPU each with --device cuda: rank"
          + " LOCAL_RANK computes on cuda:LOCAL_RANK; NCCL between GPUs, Gloo between CPUs), e.g.",
      "  lemica launch --nproc 2 generate --prompt \"red circle moving right\" --out red.gif",
      "Runs forward, sample, generate and calibrate. generate, sample and forward split each step as their"
          + " --parallel says (ulysses: the tokens; cfg: the CFG branches; auto); calibrate shares its groups"
          + " of edges between the ranks and merges their errors into one file. Rank 0 writes the outputs and"
          + " reports progress; the other ranks print only errors. A rank that fails or never joins stops the"
          + " others with one line.",
      "The ranks find each other through the torchrun variables RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and"
          + " MASTER_PORT, which this command sets; on several hosts run it once per host with --nnodes,"
          + " --node-rank, --master-addr and --master-port, or let another launcher start `lemica <command>`"
          + " with those variables set: torchrun --no-python (its agent's store is used), a Slurm or Kubernetes"
          + " job script."
    })
final class LaunchCommand implements Callable<Integer> {
  /** The commands that run as several ranks. */
  static final Set<String> DISTRIBUTED_COMMANDS = Set.of("forward", "sample", "generate", "calibrate");

  @Option(names = "--nproc", required = true, paramLabel = "N", description = "Ranks on this host (on GPUs: one per GPU; on a CPU each gets an equal share of the cores).")
  int nproc;

  @Option(names = "--nnodes", defaultValue = "1", paramLabel = "M", description = "Hosts taking part, each running this command. Default: ${DEFAULT-VALUE}.")
  int nnodes;

  @Option(names = "--node-rank", defaultValue = "0", paramLabel = "R", description = "This host's index among them; its ranks are R*N .. R*N+N-1. Default: ${DEFAULT-VALUE}.")
  int nodeRank;

  @Option(names = "--master-addr", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "The host of node rank 0, where rank 0 serves the rendezvous. Default: ${DEFAULT-VALUE}.")
  String masterAddr;

  @Option(names = "--master-port", defaultValue = "0", paramLabel = "PORT", description = "Its TCP port. Default: a free port (one host only; several hosts need the same given port).")
  int masterPort;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long a rank waits for the others to join and at every collective before it stops with an error (LEMICA_DIST_TIMEOUT); calibrate's final merge waits for the slowest rank's share without it. Default: 1800.")
  Double timeout;

  @Parameters(index = "0", paramLabel = "COMMAND", description = "forward, sample, generate or calibrate.")
  String command;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "The command's own options.")
  List<String> arguments = new ArrayList<>();

  @Override
  public Integer call() {
    if (!DISTRIBUTED_COMMANDS.contains(command)) {
      throw new IllegalArgumentException(
          "launch: '" + command + "' does not run as several ranks (forward, sample, generate and calibrate do)");
    }
    if (timeout != null && !(timeout > 0 && timeout <= DistributedEnvironment.MAX_TIMEOUT_SECONDS)) {
      throw new IllegalArgumentException(
          "--timeout must be a positive number of seconds up to " + (long) DistributedEnvironment.MAX_TIMEOUT_SECONDS + ", got " + timeout);
    }
    List<String> args = new ArrayList<>();
    args.add(command);
    args.addAll(arguments);
    Launch launch =
        Launch.local(nproc, LemicaCli.class.getName(), args)
            .withNodes(nnodes, nodeRank)
            .withMaster(masterAddr, masterPort)
            .withTimeout(timeout == null ? null : Duration.ofMillis(Math.round(timeout * 1000)))
            .withJvmOptions(jvmOptions())
            .withEnvironment(Map.of());
    return new Launcher(launch, System.out, System.err).run();
  }

  /** This JVM's own options (heap size, system properties) for the ranks, without debuggers and agents. */
  private static List<String> jvmOptions() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp") && !a.startsWith("-Xdebug")
            && !a.startsWith("-XX:ActiveProcessorCount"))
        .toList();
  }
}
