package dev.lemica.solver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.schedule.Schedule;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The measured cost of every allowed skip: w(i,j) is the error of computing at steps i and j and
 * reusing step i's residual at i+1..j-1. Only edges with {@code 0 < j-i <= maxSkip} can exist; an
 * edge inside that band may still be absent (not measured yet). Adjacent edges w(i,i+1) always
 * exist and are 0, because nothing is reused between neighbours.
 *
 * <p>Values are finite, non-negative and at most {@link #MAX_ERROR}, so that sums over a path stay
 * finite; -0.0 is stored as 0.0 so that equal errors compare equal bit for bit.
 */
public final class ErrorMatrix {
  /** The largest error accepted: any sum over a path of up to 10^8 edges then stays finite. */
  public static final double MAX_ERROR = 1e300;

  /** Keys of the JSON file that carry the matrix itself; every other key is metadata. */
  static final String STEPS = "steps";
  static final String ERRORS = "errors";
  static final String MAX_SKIP = "max_skip";

  private final String source;
  private final int steps;
  private final int maxSkip;
  // Row i holds j = i+1 .. i+maxSkip at i*maxSkip + (j-i-1); NaN marks an absent edge. A band
  // keeps T=1000, L=100 at 100k entries instead of a million.
  private final double[] band;
  private final Map<String, JsonNode> metadata;
  private final String sha256;

  private ErrorMatrix(
      String source, int steps, int maxSkip, double[] band, Map<String, JsonNode> metadata, String sha256) {
    this.source = source;
    this.steps = steps;
    this.maxSkip = maxSkip;
    this.band = band;
    this.metadata = metadata;
    this.sha256 = sha256;
  }

  /** Reads and validates an error-matrix file; every fault is a one-line message naming it. */
  public static ErrorMatrix read(Path file) {
    return ErrorMatrixReader.read(file);
  }

  /** Parses error-matrix JSON; {@code source} names it in messages and provenance. */
  public static ErrorMatrix parse(byte[] json, String source) {
    return ErrorMatrixReader.parse(json, source);
  }

  public static Builder builder(int steps) {
    return new Builder(steps);
  }

  /** Number of denoising steps T; steps are 0..T-1. */
  public int steps() {
    return steps;
  }

  /** Longest allowed edge j-i (at most T-1). */
  public int maxSkip() {
    return maxSkip;
  }

  /** The file this matrix came from, or the name given to the builder; used in every message. */
  public String source() {
    return source;
  }

  /** SHA-256 of the file bytes when the matrix was read from a file. */
  public Optional<String> sha256() {
    return Optional.ofNullable(sha256);
  }

  /** Keys of the file other than steps, errors and max_skip (model, metric, prompts, ...). */
  public Map<String, JsonNode> metadata() {
    return metadata;
  }

  /** A metadata value when it is a string, e.g. {@code metadataString("model")}. */
  public Optional<String> metadataString(String key) {
    JsonNode v = metadata.get(key);
    return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  public boolean hasEdge(int i, int j) {
    return i >= 0 && j < steps && j > i && j - i <= maxSkip && !Double.isNaN(band[i * maxSkip + (j - i - 1)]);
  }

  /** w(i,j); throws when the edge does not exist. */
  public double error(int i, int j) {
    if (!hasEdge(i, j)) {
      throw new IllegalArgumentException(source + ": " + whyAbsent(i, j));
    }
    return band[i * maxSkip + (j - i - 1)];
  }

  /** w(i,j) for an edge inside the band, NaN when absent; no checks, for the solver's loops. */
  double rawError(int i, int j) {
    return band[i * maxSkip + (j - i - 1)];
  }

  String whyAbsent(int i, int j) {
    if (i < 0 || j >= steps || j <= i) {
      return "there is no edge " + i + "->" + j + " between steps 0.." + (steps - 1);
    }
    if (j - i > maxSkip) {
      return "edge " + i + "->" + j + " skips " + (j - i) + " steps, more than max skip " + maxSkip;
    }
    return "edge " + i + "->" + j + " has not been measured (null in the matrix)";
  }

  /** This matrix without edges longer than {@code limit} (a limit above the current one changes nothing). */
  public ErrorMatrix withMaxSkip(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("max skip must be at least 1, got " + limit);
    }
    if (limit >= maxSkip) {
      return this;
    }
    double[] narrow = new double[steps * limit];
    for (int i = 0; i < steps; i++) {
      System.arraycopy(band, i * maxSkip, narrow, i * limit, limit);
    }
    return new ErrorMatrix(source, steps, limit, narrow, metadata, sha256);
  }

  /** The errors of the edges a schedule uses, in path order. */
  public double[] pathErrors(Schedule schedule) {
    if (schedule.steps() != steps) {
      throw new IllegalArgumentException(
          source + ": the schedule is for " + schedule.steps() + " steps but the matrix has " + steps);
    }
    int[] c = schedule.computedSteps();
    double[] out = new double[c.length - 1];
    for (int k = 0; k + 1 < c.length; k++) {
      out[k] = error(c[k], c[k + 1]);
    }
    return out;
  }

  /**
   * Every budget B for which some path 0 -> T-1 through exactly B steps uses only existing edges.
   * Bit B of the result is set when B is feasible.
   */
  public BitSet feasibleBudgets() {
    int words = (steps >> 6) + 1;
    long[][] counts = new long[steps][];
    counts[steps - 1] = new long[words];
    counts[steps - 1][0] = 1L << 1; // the last step alone is a path of one node
    for (int i = steps - 2; i >= 0; i--) {
      long[] mine = new long[words];
      for (int j = i + 1; j <= Math.min(steps - 1, i + maxSkip); j++) {
        if (!Double.isNaN(rawError(i, j))) {
          shiftOr(counts[j], mine);
        }
      }
      counts[i] = mine;
    }
    return BitSet.valueOf(counts[0]);
  }

  private static void shiftOr(long[] from, long[] into) {
    long carry = 0;
    for (int w = 0; w < from.length; w++) {
      into[w] |= (from[w] << 1) | carry;
      carry = from[w] >>> 63;
    }
  }

  /** The matrix in the file format {@link #read} accepts (absent edges as null, then the metadata). */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put(STEPS, steps);
    if (maxSkip < steps - 1) {
      root.put(MAX_SKIP, maxSkip);
    }
    ArrayNode rows = root.putArray(ERRORS);
    for (int i = 0; i < steps; i++) {
      ArrayNode row = rows.addArray();
      for (int j = 0; j < steps; j++) {
        if (hasEdge(i, j)) {
          row.add(rawError(i, j));
        } else {
          row.addNull();
        }
      }
    }
    metadata.forEach(root::set);
    return root;
  }

  @Override
  public String toString() {
    return "ErrorMatrix[" + source + ", " + steps + " steps, max skip " + maxSkip + "]";
  }

  /**
   * Why {@code value} cannot be w(i,j) under {@code maxSkip}, or null when it can. One rule set for
   * the builder and the file reader, so both reject the same things.
   */
  static String fault(int steps, int maxSkip, int i, int j, double value) {
    if (j <= i) {
      return "is set, but only entries with j > i are edges (row = computed step, column = next computed step)";
    }
    if (j - i > maxSkip) {
      return "is set, but it skips " + (j - i) + " steps, more than max_skip " + maxSkip;
    }
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "is " + value + "; errors must be finite numbers";
    }
    if (value < 0) {
      return "is negative (" + value + "); errors must be >= 0";
    }
    if (value > MAX_ERROR) {
      return "is " + value + ", larger than the maximum " + MAX_ERROR;
    }
    if (j == i + 1 && value != 0) {
      return "is " + value + ", but adjacent steps reuse nothing, so w(i,i+1) must be 0 or null";
    }
    return null;
  }

  /** Builds a matrix in memory (calibration, tests); rejects what the file reader rejects. */
  public static final class Builder {
    private final int steps;
    private int maxSkip;
    private String source = "error matrix";
    private String sha256;
    private final Map<String, JsonNode> metadata = new LinkedHashMap<>();
    private int[] is = new int[16];
    private int[] js = new int[16];
    private double[] ws = new double[16];
    private int count;

    private Builder(int steps) {
      if (steps < 2) {
        throw new IllegalArgumentException("an error matrix needs at least 2 steps, got " + steps);
      }
      this.steps = steps;
      this.maxSkip = steps - 1;
    }

    /** Longest allowed edge; edges already added must fit. Defaults to T-1 (no limit). */
    public Builder maxSkip(int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("max skip must be at least 1, got " + limit);
      }
      this.maxSkip = Math.min(limit, steps - 1);
      return this;
    }

    public Builder source(String name) {
      this.source = name;
      return this;
    }

    Builder sha256(String hex) {
      this.sha256 = hex;
      return this;
    }

    public Builder metadata(String key, JsonNode value) {
      if (key.equals(STEPS) || key.equals(ERRORS) || key.equals(MAX_SKIP)) {
        throw new IllegalArgumentException("'" + key + "' is part of the matrix, not metadata");
      }
      metadata.put(key, value);
      return this;
    }

    /** Sets w(i,j) for 0 <= i < j < steps. */
    public Builder error(int i, int j, double value) {
      if (i < 0 || j >= steps) {
        throw new IllegalArgumentException(
            "w(" + i + "," + j + ") is outside steps 0.." + (steps - 1));
      }
      String fault = fault(steps, steps - 1, i, j, value);
      if (fault != null) {
        throw new IllegalArgumentException(source + ": w(" + i + "," + j + ") " + fault);
      }
      if (count == is.length) {
        is = Arrays.copyOf(is, count * 2);
        js = Arrays.copyOf(js, count * 2);
        ws = Arrays.copyOf(ws, count * 2);
      }
      is[count] = i;
      js[count] = j;
      ws[count] = value + 0.0; // -0.0 + 0.0 == +0.0
      count++;
      return this;
    }

    public ErrorMatrix build() {
      if ((long) steps * maxSkip > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException(source + ": " + steps + " steps with max skip " + maxSkip
            + " is too large a matrix; lower max_skip");
      }
      double[] band = new double[steps * maxSkip];
      Arrays.fill(band, Double.NaN);
      for (int i = 0; i + 1 < steps; i++) {
        band[i * maxSkip] = 0.0;
      }
      for (int e = 0; e < count; e++) {
        if (js[e] - is[e] > maxSkip) {
          throw new IllegalArgumentException(
              source + ": w(" + is[e] + "," + js[e] + ") " + fault(steps, maxSkip, is[e], js[e], ws[e]));
        }
        band[is[e] * maxSkip + (js[e] - is[e] - 1)] = ws[e];
      }
      return new ErrorMatrix(
          source, steps, maxSkip, band, Collections.unmodifiableMap(new LinkedHashMap<>(metadata)), sha256);
    }
  }
}
