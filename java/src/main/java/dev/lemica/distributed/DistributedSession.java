package dev.lemica.distributed;

import dev.lemica.model.ComputeTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.PrefixStore;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * This process's membership of a multi-process run, joined through LibTorch's c10d: rank 0 serves a
 * {@code TCPStore} at MASTER_ADDR:MASTER_PORT, every rank connects to it, and the ranks build
 * process groups over it: Gloo when they compute on CPUs, NCCL on GPUs (under torchrun the store is
 * its agent's, and every rank is a client of it). Joining fails with one line when a rank does not
 * arrive within the environment's timeout, never hangs.
 *
 * <p>The native objects live as long as the session (they are not tied to any pointer scope).
 */
public final class DistributedSession implements AutoCloseable {
  private static final Pattern JOINED = Pattern.compile("(\\d+)/(\\d+) clients joined");

  private final DistributedEnvironment env;
  private final boolean cuda;
  private final org.bytedeco.pytorch.Device device;
  private final Communicator world;
  private Communicator hostWorld;
  private final Map<String, Communicator> groups = new LinkedHashMap<>();
  /** Every native object made here, released at close. */
  private final List<Pointer> retained = new ArrayList<>();

  private DistributedSession(DistributedEnvironment env, ComputeTarget target) {
    this.env = env;
    this.cuda = target.isCuda();
    this.device = target.device();
    retain(device);
    Backend all;
    if (env.ranksServeTheStore()) {
      Store joined = retain(rendezvous());
      all = backend(joined, env.rank(), env.worldSize(), "the other ranks", cuda);
      handOver(joined);
    } else {
      // torchrun's agent already serves the store: every rank is a client, under the attempt's prefix.
      awaitServer();
      all = over("", prefixed -> backend(prefixed, env.rank(), env.worldSize(), "the other ranks", cuda));
    }
    this.world = new C10dCommunicator(all, device, "rank " + env.rank());
  }

  /**
   * Joins the run {@code env} describes, for a model computing on {@code target}: its device type
   * picks the backend (NCCL for CUDA, Gloo for the CPU). Every rank calls it.
   *
   * @throws DistributedException when the rendezvous or the group cannot be formed in time
   */
  public static DistributedSession join(DistributedEnvironment env, ComputeTarget target) {
    return new DistributedSession(env, target);
  }

  public DistributedEnvironment environment() {
    return env;
  }

  public int rank() {
    return env.rank();
  }

  public int size() {
    return env.worldSize();
  }

  /** Whether this is rank 0, which writes the outputs and reports progress. */
  public boolean leads() {
    return env.leads();
  }

  /** Every rank of the run. */
  public Communicator world() {
    return world;
  }

  /**
   * The group of {@code members} (world ranks, in group rank order), which must include this rank.
   * Made collectively by the members on first use, so every member asks for its groups in the same
   * order; later calls return the same group.
   */
  public synchronized Communicator group(int[] members) {
    rankIn(members);
    if (members.length == env.worldSize() && isIdentity(members)) {
      return world;
    }
    String key = Arrays.stream(members).mapToObj(Integer::toString).collect(Collectors.joining(","));
    Communicator existing = groups.get(key);
    if (existing != null) {
      return existing;
    }
    String label = "the group of ranks " + key;
    Communicator group =
        new C10dCommunicator(over("lemica/group/" + key, prefixed -> backend(prefixed, rankIn(members), members.length, label, cuda)), device,
            "rank " + env.rank() + " (in " + label + ")");
    groups.put(key, group);
    return group;
  }

  /**
   * Every rank over Gloo on the CPU, whatever the compute device: for exchanging host data (a
   * calibration's errors), where a rank that dies is noticed at once because its connection closes.
   * Made collectively on first use.
   */
  public synchronized Communicator hostWorld() {
    if (!cuda) {
      return world;
    }
    if (hostWorld == null) {
      org.bytedeco.pytorch.Device cpu = retain(new org.bytedeco.pytorch.Device("cpu"));
      hostWorld = new C10dCommunicator(
          over("lemica/host", prefixed -> backend(prefixed, env.rank(), env.worldSize(), "the other ranks over Gloo", false)), cpu, "rank " + env.rank());
    }
    return hostWorld;
  }

  private int rankIn(int[] members) {
    for (int i = 0; i < members.length; i++) {
      if (members[i] == env.rank()) {
        return i;
      }
    }
    throw new IllegalArgumentException("rank " + env.rank() + " is not in the group " + Arrays.toString(members));
  }

  /**
   * A backend over its own key space of the store: a new client connection under a prefix. (The
   * preset turns a Store argument into a new owning intrusive_ptr each time it is passed, and
   * c10 refuses a second owner: so each native store is passed once, then owned by what took it.)
   */
  private Backend over(String prefix, java.util.function.Function<Store, Backend> make) {
    TCPStore client = retain(new TCPStore(env.masterAddr(), storeOptions(false, false)));
    String keys = env.ranksServeTheStore() ? prefix : prefix.isEmpty() ? env.agentStorePrefix() : env.agentStorePrefix() + "/" + prefix;
    Store prefixed = retain(new PrefixStore(keys, client));
    handOver(client);
    Backend backend = make.apply(prefixed);
    handOver(prefixed);
    return backend;
  }

  /** The native object now belongs to the c10d object it was passed to: Java must never free it. */
  private static void handOver(Pointer p) {
    p.deallocate(false);
  }

  private static boolean isIdentity(int[] members) {
    for (int i = 0; i < members.length; i++) {
      if (members[i] != i) {
        return false;
      }
    }
    return true;
  }

  private String where() {
    return "rank " + env.rank() + " of " + env.worldSize();
  }

  private String address() {
    return env.masterAddr() + ":" + env.masterPort();
  }

  private long seconds() {
    return Math.max(1, Math.round(env.timeout().toMillis() / 1000.0));
  }

  /**
   * Rank 0 serves the store and waits for every rank; the others first wait for its port to open
   * (c10d's own client retries for twice its timeout and logs every attempt).
   */
  private Store rendezvous() {
    if (!env.leads()) {
      awaitServer();
    }
    TCPStoreOptions options = storeOptions(env.leads(), true);
    try {
      return new TCPStore(env.masterAddr(), options);
    } catch (RuntimeException e) {
      String first = firstLine(e);
      Matcher joined = JOINED.matcher(first);
      if (joined.find()) {
        throw new DistributedException(
            where() + ": only " + joined.group(1) + " of " + joined.group(2) + " ranks joined the rendezvous at " + address() + " within "
                + seconds() + " s (a rank never started, or has another MASTER_ADDR/MASTER_PORT)");
      }
      throw new DistributedException(where() + ": cannot " + (env.leads() ? "serve" : "join") + " the rendezvous at " + address() + ": " + first);
    }
  }

  /** @param join whether this connection counts as the rank's arrival (rank 0 waits for all of them) */
  private TCPStoreOptions storeOptions(boolean server, boolean join) {
    TCPStoreOptions options = retain(new TCPStoreOptions());
    options.port((short) env.masterPort());
    options.isServer(server);
    options.numWorkers(retain(new SizeTPointer(1)).put(env.worldSize()));
    options.waitWorkers(join);
    options.timeout(retain(new Milliseconds(env.timeout().toMillis())));
    return options;
  }

  private void awaitServer() {
    long deadline = System.nanoTime() + env.timeout().toNanos();
    InetSocketAddress address = new InetSocketAddress(env.masterAddr(), env.masterPort());
    if (address.isUnresolved()) {
      throw new DistributedException(where() + ": MASTER_ADDR " + env.masterAddr() + " does not resolve");
    }
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new DistributedException(
            where() + ": no rendezvous at " + address() + " within " + seconds() + " s (" + (env.ranksServeTheStore() ? "rank 0 never started" : "torchrun's agent store is not there")
                + ", or MASTER_ADDR/MASTER_PORT are wrong)");
      }
      try (Socket probe = new Socket()) {
        probe.connect(address, (int) Math.min(left, 1000));
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(Math.min(100, Math.max(1, left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DistributedException(where() + ": interrupted while waiting for the rendezvous at " + address());
        }
      }
    }
  }

  private Backend backend(Store over, int rank, int size, String label, boolean nccl) {
    Milliseconds timeout = retain(new Milliseconds(env.timeout().toMillis()));
    try {
      if (nccl) {
        ProcessGroupNCCL.Options options = retain(ProcessGroupNCCL.Options.create());
        options.timeout(timeout);
        return retain(new ProcessGroupNCCL(over, rank, size, options));
      }
      ProcessGroupGloo.Options options = retain(ProcessGroupGloo.Options.create(timeout));
      options.devices(retain(new GlooDeviceVector(retain(glooDevice()))));
      return retain(new ProcessGroupGloo(over, rank, size, options));
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      String first = e instanceof UnsatisfiedLinkError ? "this LibTorch build has no " + (nccl ? "NCCL" : "Gloo") : firstLine(e);
      throw new DistributedException(where() + ": connecting to " + label + " failed: " + first.replaceFirst("^\\[[^\\]]*\\]\\s*", ""));
    }
  }

  /**
   * The interface Gloo listens on: GLOO_SOCKET_IFNAME's (as PyTorch reads it), the loopback device
   * for a rendezvous on this host, else the one this host's name resolves to.
   */
  private org.bytedeco.pytorch.gloo.Device glooDevice() {
    String ifname = System.getenv("GLOO_SOCKET_IFNAME");
    if (ifname != null && !ifname.isBlank()) {
      return ProcessGroupGloo.createDeviceForInterface(ifname.split(",")[0].trim());
    }
    try {
      if (InetAddress.getByName(env.masterAddr()).isLoopbackAddress()) {
        return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
      }
    } catch (IOException unresolved) {
      // the default device then
    }
    return ProcessGroupGloo.createDefaultDevice();
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  private <T extends Pointer> T retain(T p) {
    p.retainReference();
    retained.add(p);
    return p;
  }

  /** Frees the groups and the store; the session cannot be used afterwards. */
  @Override
  public synchronized void close() {
    groups.clear();
    for (int i = retained.size() - 1; i >= 0; i--) {
      retained.get(i).releaseReference();
    }
    retained.clear();
  }
}
