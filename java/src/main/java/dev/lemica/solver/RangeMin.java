package dev.lemica.solver;

/** Sparse table: minimum of any range of a fixed int array in O(1) after O(n log n) building. */
final class RangeMin {
  // table[k][p] = min(values[p .. p + 2^k - 1])
  private final int[][] table;

  RangeMin(int capacity) {
    int levels = 32 - Integer.numberOfLeadingZeros(Math.max(1, capacity));
    table = new int[levels][Math.max(1, capacity)];
  }

  void build(int[] values, int size) {
    System.arraycopy(values, 0, table[0], 0, size);
    for (int k = 1; (1 << k) <= size; k++) {
      int[] up = table[k];
      int[] down = table[k - 1];
      int half = 1 << (k - 1);
      for (int p = 0; p + (1 << k) <= size; p++) {
        up[p] = Math.min(down[p], down[p + half]);
      }
    }
  }

  /** Minimum of values[lo..hi], both inclusive, lo &lt;= hi. */
  int min(int lo, int hi) {
    int k = 31 - Integer.numberOfLeadingZeros(hi - lo + 1);
    int[] row = table[k];
    return Math.min(row[lo], row[hi - (1 << k) + 1]);
  }
}
