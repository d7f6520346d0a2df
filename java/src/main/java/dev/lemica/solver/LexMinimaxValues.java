package dev.lemica.solver;

import java.util.Arrays;

/**
 * Values for {@link Objective#LEX_MINIMAX}: a path's value is its edge errors sorted in decreasing
 * order, compared lexicographically, smaller is better. All paths of one state have the same number
 * of edges, so only vectors of equal length are ever compared.
 *
 * <h2>Why the dynamic program is exact</h2>
 *
 * <p><b>Lemma 1 (counts).</b> For multisets A, B of equal size, sorted(A) &lt; sorted(B)
 * lexicographically iff, at the largest value v whose multiplicity differs, A has fewer copies of v.
 * Proof: values above v occur equally often, so both sorted vectors start with the same c entries
 * (c = number of elements above v). If A has fewer copies of v than B, then at position c +
 * count_A(v) vector B still holds v, while A holds something smaller than v (it has such an element
 * because |A| = |B|). So A is smaller, and symmetrically.
 *
 * <p><b>Lemma 2 (insertion keeps order).</b> Adding the same value x to A and to B adds 1 to the
 * count of x on both sides, so every difference of counts is unchanged; by Lemma 1, A &lt; B iff
 * A+{x} &lt; B+{x}, and A = B iff A+{x} = B+{x}.
 *
 * <p><b>Optimality.</b> Every path of state (i, k) is an edge i-&gt;j followed by a path Q of state
 * (j, k-1). By Lemma 2, replacing Q by the best path of (j, k-1) never makes the whole path worse,
 * and makes it strictly better when Q was strictly worse. Hence best(i, k) = min over j of
 * best(j, k-1) + {w(i,j)}: keeping one vector per state loses nothing, and the objective is strictly
 * monotone, which the tie rule of {@link LayeredSearch} needs. The brute-force property tests check
 * this on every budget of thousands of small matrices.
 *
 * <h2>How it stays fast and small</h2>
 *
 * <p>Errors are replaced by their rank among the matrix's distinct errors: order and equality are
 * exactly those of the doubles (no epsilon), and comparisons become int comparisons. Only two levels
 * are ever held, each as one sorted int vector per state, so memory is O(T * B) ints (plus one
 * successor per state in the engine), never T * B * B.
 *
 * <p>Comparing two candidates V1+{a} and V2+{b} (V1, V2 states of the level below) takes O(1) in the
 * usual case. Each level's vectors are sorted and the common-prefix length of neighbours in that
 * order is stored. <b>Lemma 3:</b> for lexicographically sorted sequences S_1 &lt;= ... &lt;= S_m,
 * the common prefix of S_p and S_q (p &lt; q) is the minimum of the neighbours' common prefixes
 * between them. (At least that long: every neighbour pair agrees there. No longer: if S_p and S_q
 * also agreed at that position, every sequence between them would agree on it too, being sorted
 * between two equal entries, including the neighbour pair attaining the minimum, a contradiction.)
 * A sparse table answers the range minimum in O(1). With p = LCP(V1, V2) and u1 = V1[p], u2 =
 * V2[p], the largest value whose counts differ is v* = max(u1, u2), and V1 &gt; V2 iff u1 &gt; u2.
 * The count difference of the candidates is that of V1, V2 plus one at a and minus one at b, so by
 * Lemma 1:
 *
 * <ul>
 *   <li>a = b: same order as V1, V2 (Lemma 2);
 *   <li>max(a, b) &gt; v*: the counts first differ at max(a, b), so the candidate with the larger new
 *       edge is worse;
 *   <li>max(a, b) &lt; v*: the counts first differ at v*, as for V1, V2;
 *   <li>max(a, b) = v*: the new edge may cancel the difference at v* (only possible when errors
 *       tie); the two candidates are then compared entry by entry from the first position that can
 *       differ.
 * </ul>
 */
final class LexMinimaxValues implements LayeredSearch.Values {
  private final ErrorMatrix matrix;
  private final int maxSkip;
  private final int[] rank; // band layout of ErrorMatrix: rank of w(i,j), -1 when absent

  private int n; // length of the vectors of the level below
  private int[] prevVec; // state j's vector at prevVec[j*n .. j*n+n), sorted decreasing
  private int[] curVec;
  private int[] prevTop; // prevVec[j*n], in a dense array for the hot loop
  private int[] curTop;
  private int[] prevPos; // position of state j in the sorted order of its level
  private int[] curPos;
  private RangeMin prevLcp; // common prefix of neighbours in that order
  private RangeMin curLcp;

  // The level being built: winners and where their new edge went in the vector.
  private final int[] succOf;
  private final int[] rankOf;
  private final int[] insOf;
  private final int[] nodes;
  private final int[] scratch;
  private final int[] adjacent;
  private int count;

  LexMinimaxValues(ErrorMatrix m, int levels) {
    int steps = m.steps();
    this.matrix = m;
    this.maxSkip = m.maxSkip();
    this.rank = ranks(m);
    if (levels - 1 > RangeMin.maxValue()) {
      throw new IllegalArgumentException(m.source() + ": lex-minimax supports budgets up to "
          + (RangeMin.maxValue() + 1) + " computed steps, not " + levels);
    }
    int width = Math.max(1, levels - 1);
    prevVec = new int[steps * width];
    curVec = new int[steps * width];
    prevTop = new int[steps];
    curTop = new int[steps];
    prevPos = new int[steps];
    curPos = new int[steps];
    prevLcp = new RangeMin(steps);
    curLcp = new RangeMin(steps);
    succOf = new int[steps];
    rankOf = new int[steps];
    insOf = new int[steps];
    nodes = new int[steps];
    scratch = new int[steps];
    adjacent = new int[steps];
  }

  /** Rank of each edge's error among the distinct errors (0 = smallest), in the band layout. */
  static int[] ranks(ErrorMatrix m) {
    int steps = m.steps();
    int l = m.maxSkip();
    double[] values = new double[steps * l];
    int c = 0;
    for (int i = 0; i < steps; i++) {
      for (int j = i + 1; j <= Math.min(steps - 1, i + l); j++) {
        double w = m.rawError(i, j);
        if (!Double.isNaN(w)) {
          values[c++] = w;
        }
      }
    }
    Arrays.sort(values, 0, c);
    int distinct = 0;
    for (int e = 0; e < c; e++) {
      if (distinct == 0 || values[e] != values[distinct - 1]) {
        values[distinct++] = values[e];
      }
    }
    int[] r = new int[steps * l];
    Arrays.fill(r, -1);
    for (int i = 0; i < steps; i++) {
      for (int j = i + 1; j <= Math.min(steps - 1, i + l); j++) {
        double w = m.rawError(i, j);
        if (!Double.isNaN(w)) {
          r[i * l + (j - i - 1)] = Arrays.binarySearch(values, 0, distinct, w);
        }
      }
    }
    return r;
  }

  @Override
  public void start(LayeredSearch search) {
    n = 0;
    prevPos[search.matrix().steps() - 1] = 0;
  }

  @Override
  public void beginLevel(int k) {
    count = 0;
  }

  @Override
  public int choose(int i, int from, int to, int[] below, double cap) {
    int base = i * maxSkip - i - 1;
    boolean capped = cap < Double.POSITIVE_INFINITY;
    int best = -1;
    int bestRank = 0;
    int bestTop = 0;
    for (int j = from; j <= to; j++) {
      int a = rank[base + j];
      if (a < 0 || below[j] < 0 || (capped && !(matrix.rawError(i, j) <= cap))) {
        continue;
      }
      // The largest entry of the candidate decides most comparisons and needs no vector.
      int top = n > 0 ? Math.max(a, prevTop[j]) : a;
      if (best < 0 || top < bestTop || (top == bestTop && compareCandidates(j, a, best, bestRank) < 0)) {
        best = j;
        bestRank = a;
        bestTop = top;
      }
    }
    if (best >= 0) {
      succOf[i] = best;
      rankOf[i] = bestRank;
      nodes[count++] = i;
    }
    return best;
  }

  @Override
  public void endLevel(int k) {
    int m = n + 1;
    for (int c = 0; c < count; c++) {
      int x = nodes[c];
      int from = succOf[x] * n;
      int a = rankOf[x];
      int ins = firstBelow(prevVec, from, 0, n, a);
      int to = x * m;
      System.arraycopy(prevVec, from, curVec, to, ins);
      curVec[to + ins] = a;
      System.arraycopy(prevVec, from + ins, curVec, to + ins + 1, n - ins);
      insOf[x] = ins;
      curTop[x] = curVec[to];
    }
    IntSort.sort(
        nodes, count, scratch, (x, y) -> compareCandidates(succOf[x], rankOf[x], succOf[y], rankOf[y]));
    for (int p = 0; p < count; p++) {
      curPos[nodes[p]] = p;
    }
    for (int p = 0; p + 1 < count; p++) {
      adjacent[p] = winnersPrefix(nodes[p], nodes[p + 1], m);
    }
    curLcp.build(adjacent, Math.max(0, count - 1));

    int[] t = prevVec;
    prevVec = curVec;
    curVec = t;
    t = prevTop;
    prevTop = curTop;
    curTop = t;
    t = prevPos;
    prevPos = curPos;
    curPos = t;
    RangeMin r = prevLcp;
    prevLcp = curLcp;
    curLcp = r;
    n = m;
  }

  /** Sign of (V1+{a}) - (V2+{b}) for states j1, j2 of the level below; see the class comment. */
  private int compareCandidates(int j1, int a, int j2, int b) {
    int p = commonPrefix(j1, j2);
    if (p == n) {
      return Integer.compare(a, b);
    }
    int u1 = prevVec[j1 * n + p];
    int u2 = prevVec[j2 * n + p];
    int below = u1 > u2 ? 1 : -1;
    if (a == b) {
      return below;
    }
    int top = Math.max(a, b);
    int vStar = Math.max(u1, u2);
    if (top > vStar) {
      return a > b ? 1 : -1;
    }
    if (top < vStar) {
      return below;
    }
    return walk(j1, a, j2, b, vStar, p);
  }

  /** Length of the common prefix of the vectors of states j1, j2 of the level below. */
  private int commonPrefix(int j1, int j2) {
    if (j1 == j2) {
      return n;
    }
    int p1 = prevPos[j1];
    int p2 = prevPos[j2];
    return p1 < p2 ? prevLcp.min(p1, p2 - 1) : prevLcp.min(p2, p1 - 1);
  }

  /**
   * Entry-by-entry comparison of V1+{a} and V2+{b} when the new edges tie with v*. Entries above
   * v* are shared (they lie in the common prefix p and a, b &lt;= v* go after them), so the walk
   * starts at the first entry &lt;= v* and skips stretches known to be equal.
   */
  private int walk(int j1, int a, int j2, int b, int vStar, int p) {
    int o1 = j1 * n;
    int o2 = j2 * n;
    int q = firstAtMost(prevVec, o1, 0, p, vStar);
    int ins1 = firstBelow(prevVec, o1, q, n, a);
    int ins2 = firstBelow(prevVec, o2, q, n, b);
    // Before both insertion points and inside the common prefix the candidates agree.
    int t = Math.max(q, Math.min(p, Math.min(ins1, ins2)));
    while (t <= n) {
      if (t > ins1 && t > ins2 && t - 1 < p) {
        t = p + 1; // both shifted by one, still inside the common prefix
        continue;
      }
      int x1 = t < ins1 ? prevVec[o1 + t] : t == ins1 ? a : prevVec[o1 + t - 1];
      int x2 = t < ins2 ? prevVec[o2 + t] : t == ins2 ? b : prevVec[o2 + t - 1];
      if (x1 != x2) {
        return x1 > x2 ? 1 : -1;
      }
      t++;
    }
    return 0;
  }

  /** Common prefix of two winners' materialised vectors (length m), starting where they must agree. */
  private int winnersPrefix(int x, int y, int m) {
    int p = commonPrefix(succOf[x], succOf[y]);
    int ix = insOf[x];
    int iy = insOf[y];
    int ox = x * m;
    int oy = y * m;
    int t = Math.min(p, Math.min(ix, iy));
    while (t < m) {
      if (t > ix && t > iy && t - 1 < p) {
        t = p + 1;
        continue;
      }
      if (curVec[ox + t] != curVec[oy + t]) {
        break;
      }
      t++;
    }
    return Math.min(t, m);
  }

  /** First index t in [from, to) with v[off+t] &lt; a (v sorted decreasing), or to. */
  private static int firstBelow(int[] v, int off, int from, int to, int a) {
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (v[off + mid] < a) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** First index t in [from, to) with v[off+t] &lt;= a (v sorted decreasing), or to. */
  private static int firstAtMost(int[] v, int off, int from, int to, int a) {
    return firstBelow(v, off, from, to, a + 1);
  }
}
