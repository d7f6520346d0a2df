package dev.lemica.distributed;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllToAllOptions;
import org.bytedeco.pytorch.AllgatherOptions;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/** A {@link Communicator} over one c10d backend (ProcessGroupGloo or ProcessGroupNCCL) and its device. */
final class C10dCommunicator implements Communicator {
  private final Backend backend;
  private final Device device;
  private final String name;
  private final int rank;
  private final int size;

  /**
   * @param name how failures name this process, e.g. "rank 2 (ulysses group of ranks 2,3)"
   */
  C10dCommunicator(Backend backend, Device device, String name) {
    this.backend = backend;
    this.device = device;
    this.name = name;
    this.rank = backend.getRank();
    this.size = backend.getSize();
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Tensor allGather(Tensor local, Duration timeout) {
    Tensor in = onDevice(local).contiguous();
    long[] shape = in.sizes().vec().get();
    shape[0] *= size;
    Tensor out = torch.empty(shape, new TensorOptions(in.scalar_type()).device(new DeviceOptional(device)), new org.bytedeco.pytorch.MemoryFormatOptional());
    AllgatherOptions options = new AllgatherOptions();
    if (timeout != null) {
      options.timeout(new Milliseconds(timeout.toMillis()));
    }
    complete(() -> backend._allgather_base(out, in, options), "all_gather");
    return out;
  }

  @Override
  public Tensor allToAll(Tensor send, long[] sendCounts, long[] receiveCounts) {
    if (sendCounts.length != size || receiveCounts.length != size) {
      throw new IllegalArgumentException("all_to_all over " + size + " ranks needs " + size + " counts each way");
    }
    long total = 0;
    for (long c : receiveCounts) {
      total += c;
    }
    Tensor in = onDevice(send).contiguous().reshape(-1);
    Tensor out = torch.empty(new long[] {total}, new TensorOptions(in.scalar_type()).device(new DeviceOptional(device)), new org.bytedeco.pytorch.MemoryFormatOptional());
    complete(() -> backend.alltoall_base(out, in, new LongVector(receiveCounts), new LongVector(sendCounts), new AllToAllOptions()), "all_to_all");
    return out;
  }

  /** An all-reduce of one element on the group's device (NCCL's own barrier guesses the device). */
  @Override
  public void barrier() {
    Tensor one = torch.ones(new long[] {1}, new TensorOptions(torch.ScalarType.Float).device(new DeviceOptional(device)));
    complete(() -> backend.allreduce(new TensorVector(one), new AllreduceOptions()), "barrier");
  }

  private Tensor onDevice(Tensor t) {
    return t.device().type().value == device.type().value && t.device().index() == device.index() ? t : t.to(device, t.scalar_type());
  }

  /** Starts a collective and waits for it; c10d may fail at either moment. */
  private void complete(java.util.function.Supplier<Work> start, String operation) {
    try {
      start.get()._wait();
    } catch (RuntimeException e) {
      throw DistributedException.collective(name, operation, e);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
