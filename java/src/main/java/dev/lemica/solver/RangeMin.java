package dev.lemica.solver;

/**
 * Sparse table: minimum of any range of an int array in O(1) after O(n log n) building. Values are
 * small (common-prefix lengths, at most the budget), so the table is one flat char array: it stays
 * in cache, and a query is two loads.
 */
final class RangeMin {
  private final int capacity;
  // table[k * capacity + p] = min(values[p .. p + 2^k - 1])
  private final char[] table;

  RangeMin(int capacity) {
    this.capacity = Math.max(1, capacity);
    int levels = 32 - Integer.numberOfLeadingZeros(this.capacity);
    table = new char[levels * this.capacity];
  }

  /** Largest value this table can hold. */
  static int maxValue() {
    return Character.MAX_VALUE;
  }

  void build(int[] values, int size) {
    for (int p = 0; p < size; p++) {
      table[p] = (char) values[p];
    }
    for (int k = 1; (1 << k) <= size; k++) {
      int up = k * capacity;
      int down = (k - 1) * capacity;
      int half = 1 << (k - 1);
      for (int p = 0; p + (1 << k) <= size; p++) {
        table[up + p] = (char) Math.min(table[down + p], table[down + p + half]);
      }
    }
  }

  /** Minimum of values[lo..hi], both inclusive, lo &lt;= hi. */
  int min(int lo, int hi) {
    int k = 31 - Integer.numberOfLeadingZeros(hi - lo + 1);
    int row = k * capacity;
    return Math.min(table[row + lo], table[row + hi - (1 << k) + 1]);
  }
}
