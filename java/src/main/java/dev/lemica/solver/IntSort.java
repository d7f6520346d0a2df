package dev.lemica.solver;

/** Merge sort of an int array by a comparator, without boxing. */
final class IntSort {
  interface IntComparator {
    int compare(int a, int b);
  }

  private IntSort() {}

  /** Sorts a[0..n) in place; {@code scratch} holds at least n ints. */
  static void sort(int[] a, int n, int[] scratch, IntComparator c) {
    sort(a, scratch, 0, n, c);
  }

  private static void sort(int[] a, int[] tmp, int from, int to, IntComparator c) {
    if (to - from <= 16) {
      for (int i = from + 1; i < to; i++) {
        int x = a[i];
        int j = i - 1;
        while (j >= from && c.compare(a[j], x) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = x;
      }
      return;
    }
    int mid = (from + to) >>> 1;
    sort(a, tmp, from, mid, c);
    sort(a, tmp, mid, to, c);
    if (c.compare(a[mid - 1], a[mid]) <= 0) {
      return;
    }
    System.arraycopy(a, from, tmp, from, to - from);
    int i = from;
    int j = mid;
    for (int k = from; k < to; k++) {
      if (j >= to || (i < mid && c.compare(tmp[i], tmp[j]) <= 0)) {
        a[k] = tmp[i++];
      } else {
        a[k] = tmp[j++];
      }
    }
  }
}
