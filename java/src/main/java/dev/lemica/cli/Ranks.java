package dev.lemica.cli;

import dev.lemica.distributed.Communicator;
import dev.lemica.distributed.Distributed;
import dev.lemica.distributed.DistributedSession;
import dev.lemica.distributed.ParallelPlan;
import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.sampling.Parallelism;
import java.util.Optional;

/**
 * A command's view of the run it is part of: alone (no session) or one rank of several. Rank 0
 * writes the outputs and reports; the others stay quiet.
 */
final class Ranks {
  private final Optional<DistributedSession> session;

  private Ranks(Optional<DistributedSession> session) {
    this.session = session;
  }

  /** Joins this process's ranks when it was launched as one of several (see {@link Distributed}). */
  static Ranks join(ComputeTarget target) {
    Ranks ranks = new Ranks(Distributed.join(target));
    if (!ranks.leads()) {
      Warnings.routeTo(line -> {});
    }
    return ranks;
  }

  boolean leads() {
    return session.map(DistributedSession::leads).orElse(true);
  }

  int size() {
    return session.map(DistributedSession::size).orElse(1);
  }

  /** This rank's part of the split {@code mode} makes of a run with or without CFG. */
  Parallelism parallelism(ParallelPlan.Mode mode, boolean guided) {
    if (session.isEmpty()) {
      return Parallelism.NONE;
    }
    return ParallelPlan.of(mode, session.get().size(), guided).join(session.get());
  }

  String describe(ParallelPlan.Mode mode, boolean guided) {
    return session.map(s -> s.size() + " ranks, " + ParallelPlan.of(mode, s.size(), guided).describe()).orElse("");
  }

  /** Every rank over the CPU, for host data; a group of one when alone. */
  Communicator hostWorld() {
    return session.map(DistributedSession::hostWorld).orElseGet(Communicator::solo);
  }

  /** Returns when every rank got here: what rank 0 waits for before it writes a final output. */
  void agree() {
    session.ifPresent(s -> s.world().barrier());
  }
}
