package dev.lemica.distributed;

import dev.lemica.calibration.EdgeErrors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which rank measures which calibration group (the edges ending at step j): the groups still
 * missing, largest first, each to the rank with the least work so far (longest-processing-time
 * scheduling, within 4/3 of the best balance), by their cost (T − j)·|edges ending at j|. Every rank
 * computes the same assignment from the same errors, so none needs to be sent.
 */
final class GroupAssignment {
  private GroupAssignment() {}

  /** @return owner[j]: the rank that measures group j, or −1 where there is nothing to measure */
  static int[] balance(EdgeErrors errors, int ranks) {
    int[] owner = new int[errors.steps()];
    Arrays.fill(owner, -1);
    List<Integer> missing = new ArrayList<>();
    for (int j = 2; j < errors.steps(); j++) {
      if (!errors.groupComplete(j)) {
        missing.add(j);
      }
    }
    missing.sort(Comparator.<Integer>comparingLong(errors::groupCost).reversed().thenComparing(j -> j));
    long[] load = new long[ranks];
    for (int j : missing) {
      int least = 0;
      for (int r = 1; r < ranks; r++) {
        if (load[r] < load[least]) {
          least = r;
        }
      }
      owner[j] = least;
      load[least] += errors.groupCost(j);
    }
    return owner;
  }
}
