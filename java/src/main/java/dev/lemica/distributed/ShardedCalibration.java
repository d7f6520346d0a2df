package dev.lemica.distributed;

import dev.lemica.calibration.CalibrationJob;
import dev.lemica.calibration.CalibrationListener;
import dev.lemica.calibration.EdgeErrors;
import dev.lemica.calibration.ErrorsFile;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A calibration split across ranks by its groups of edges (those ending at the same step j): each
 * rank runs the reference and the reuse chains itself (the cheap part) and measures the groups
 * {@link GroupAssignment} gives it, saving them after every group in its part file
 * {@code <out>.part-<rank>-of-<ranks>}; at the end the ranks exchange what they measured and rank 0
 * writes the one errors file, atomically. Resumable as a single-process calibration is: a rerun
 * (with any number of ranks) starts from the errors file and every part it finds beside it, and
 * measures only the groups none of them holds. Parts are deleted once the errors file is written.
 * One rank is the single-process calibration, writing {@code out} after every group.
 */
public final class ShardedCalibration {
  /**
   * How long the merge waits for the slowest rank's share. Under Gloo a rank that dies is noticed
   * at once (its connection closes); this bounds only a rank that hangs.
   */
  static final Duration MERGE_WAIT = Duration.ofDays(7);

  private ShardedCalibration() {}

  /**
   * Runs this rank's share of {@code job} and returns the merged errors (on every rank).
   *
   * @param ranks every rank of the calibration, over the CPU (see {@link DistributedSession#hostWorld})
   */
  public static EdgeErrors run(CalibrationJob job, Path out, Communicator ranks, CalibrationListener listener) {
    long start = System.nanoTime();
    double before = Files.exists(out) ? CalibrationJob.previousSeconds(out) : 0;
    EdgeErrors known = job.initialErrors(out);
    for (Path part : parts(out)) {
      known.fillFrom(ErrorsFile.resume(part, job.setup()));
    }
    // What every rank found on its disks, joined: all ranks then agree on what is left.
    known = joined(known, ranks, null);
    int[] owner = GroupAssignment.balance(known, ranks.size());
    Path mine = ranks.size() == 1 ? out : part(out, ranks.rank(), ranks.size());
    int me = ranks.rank();
    job.run(known, mine, listener, j -> owner[j] == me);
    if (ranks.size() == 1) {
      deleteParts(out);
      return known;
    }
    EdgeErrors all = joined(known, ranks, MERGE_WAIT);
    if (me == 0) {
      job.write(out, all, before + (System.nanoTime() - start) / 1e9, parts(out));
    }
    // Parts go only once the errors file exists: a failure before leaves every part to resume from.
    ranks.barrier();
    try {
      Files.deleteIfExists(mine);
    } catch (IOException e) {
      throw new UncheckedIOException(mine + ": cannot delete this part (" + e.getMessage() + ")", e);
    }
    if (me == 0) {
      deleteParts(out);
    }
    return all;
  }

  /** The part file of one rank. */
  public static Path part(Path out, int rank, int ranks) {
    return out.resolveSibling(out.getFileName() + ".part-" + rank + "-of-" + ranks);
  }

  /** The parts beside {@code out} that any earlier run left, whatever its number of ranks. */
  static List<Path> parts(Path out) {
    Path folder = out.toAbsolutePath().getParent();
    String prefix = out.getFileName() + ".part-";
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .filter(f -> f.getFileName().toString().startsWith(prefix) && !f.getFileName().toString().endsWith(".tmp"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": cannot list it (" + e.getMessage() + ")", e);
    }
  }

  private static void deleteParts(Path out) {
    for (Path p : parts(out)) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException(p + ": cannot delete this part (" + e.getMessage() + ")", e);
      }
    }
  }

  /** Every rank's values joined: the first measured value of each edge (ranks measure disjoint groups). */
  private static EdgeErrors joined(EdgeErrors mine, Communicator ranks, Duration wait) {
    if (ranks.size() == 1) {
      return mine;
    }
    double[] values = mine.toArray();
    double[] all;
    try (PointerScope scope = new PointerScope()) {
      Tensor gathered = ranks.allGather(Tensors.fromDoubles(values, 1, values.length), wait);
      all = Tensors.toDoubles(gathered);
    }
    EdgeErrors joined = mine.withValues(values);
    for (int r = 0; r < ranks.size(); r++) {
      joined.fillFrom(mine.withValues(java.util.Arrays.copyOfRange(all, r * values.length, (r + 1) * values.length)));
    }
    return joined;
  }
}
