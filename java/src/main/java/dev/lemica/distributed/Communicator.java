package dev.lemica.distributed;

import java.time.Duration;
import org.bytedeco.pytorch.Tensor;

/**
 * Collectives among a fixed group of processes (c10d's Gloo on CPUs, NCCL on GPUs). Every member
 * calls the same collectives in the same order; each blocks until all members took part, and
 * fails with a {@link DistributedException} when one exited or the group's timeout passed.
 */
public interface Communicator {
  /** This process's rank in the group, 0..size−1. */
  int rank();

  int size();

  /**
   * Every member's {@code local} (all of one shape) concatenated along dimension 0 in rank order, on
   * the group's device.
   */
  default Tensor allGather(Tensor local) {
    return allGather(local, null);
  }

  /**
   * As {@link #allGather(Tensor)}, waiting up to {@code timeout} instead of the group's own: for a
   * collective that waits while other members still work (a calibration's merge).
   */
  Tensor allGather(Tensor local, Duration timeout);

  /**
   * Exchanges parts of flat tensors: this member sends the next {@code sendCounts[m]} elements of
   * {@code send} to each member m in order and receives {@code receiveCounts[m]} elements from each,
   * returned concatenated in member order. Counts may differ between members (uneven splits).
   */
  Tensor allToAll(Tensor send, long[] sendCounts, long[] receiveCounts);

  /** Returns when every member has called it. */
  void barrier();

  /** A group of one: every collective is the identity. */
  static Communicator solo() {
    return new Communicator() {
      @Override
      public int rank() {
        return 0;
      }

      @Override
      public int size() {
        return 1;
      }

      @Override
      public Tensor allGather(Tensor local, Duration timeout) {
        return local;
      }

      @Override
      public Tensor allToAll(Tensor send, long[] sendCounts, long[] receiveCounts) {
        return send;
      }

      @Override
      public void barrier() {}
    };
  }
}
