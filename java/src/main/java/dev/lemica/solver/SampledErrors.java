package dev.lemica.solver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An errors file's edge errors per calibration sample (one prompt under one noise), before they
 * are reduced to one weight per edge: {@code per_prompt} (one T×T matrix per sample, null where
 * there is no edge), {@code prompts} (each sample's prompt) and, where the calibration drew one
 * noise per seed, {@code seeds}. Any subset of the samples and any {@link EdgeWeight} give an
 * {@link ErrorMatrix} for the solver, so one calibration of many samples answers every subset.
 */
public final class SampledErrors {
  /** Keys this class sets on the matrices it makes; the file's own values of them are replaced. */
  static final String EDGE_WEIGHT = "edge_weight";
  static final String SAMPLES = "samples";

  private final String source;
  private final String sha256;
  private final int steps;
  private final int maxSkip;
  /** perSample[k][i][j]; NaN where there is no edge. */
  private final double[][][] perSample;
  private final List<String> prompts;
  private final List<Long> seeds;
  private final Map<String, JsonNode> metadata;

  private SampledErrors(
      String source, String sha256, int steps, int maxSkip, double[][][] perSample, List<String> prompts, List<Long> seeds,
      Map<String, JsonNode> metadata) {
    this.source = source;
    this.sha256 = sha256;
    this.steps = steps;
    this.maxSkip = maxSkip;
    this.perSample = perSample;
    this.prompts = prompts;
    this.seeds = seeds;
    this.metadata = metadata;
  }

  /** Reads the per-sample errors of a file written by {@code lemica calibrate}; faults are one line naming it. */
  public static SampledErrors read(Path file) {
    byte[] bytes = StrictJson.readBytes(file);
    return parse(bytes, file.toString(), StrictJson.sha256(bytes));
  }

  static SampledErrors parse(byte[] bytes, String source, String sha256) {
    // The mean matrix and the header are validated by the reader the solver always uses.
    ErrorMatrix mean = ErrorMatrixReader.parse(bytes, source);
    JsonNode root = StrictJson.parse(bytes, source);
    JsonNode per = root.get("per_prompt");
    if (per == null || !per.isArray() || per.isEmpty()) {
      throw new IllegalArgumentException(source + ": has no \"per_prompt\" matrices (one per calibration sample), so only its mean can be solved");
    }
    int n = per.size();
    int steps = mean.steps();
    double[][][] values = new double[n][steps][steps];
    for (int k = 0; k < n; k++) {
      JsonNode m = per.get(k);
      if (!m.isArray() || m.size() != steps) {
        throw new IllegalArgumentException(source + ": per_prompt[" + k + "] must be a " + steps + "x" + steps + " matrix");
      }
      for (int i = 0; i < steps; i++) {
        JsonNode row = m.get(i);
        if (!row.isArray() || row.size() != steps) {
          throw new IllegalArgumentException(source + ": per_prompt[" + k + "][" + i + "] must be a row of " + steps + " entries");
        }
        Arrays.fill(values[k][i], Double.NaN);
        for (int j = 0; j < steps; j++) {
          JsonNode cell = row.get(j);
          if (cell.isNull()) {
            continue;
          }
          if (!cell.isNumber()) {
            throw new IllegalArgumentException(source + ": per_prompt[" + k + "][" + i + "][" + j + "] must be a number or null, found " + StrictJson.describe(cell));
          }
          String fault = ErrorMatrix.fault(steps, mean.maxSkip(), i, j, cell.doubleValue());
          if (fault != null) {
            throw new IllegalArgumentException(source + ": per_prompt[" + k + "][" + i + "][" + j + "] " + fault);
          }
          values[k][i][j] = cell.doubleValue();
        }
      }
    }
    List<String> prompts = new ArrayList<>();
    JsonNode p = root.get("prompts");
    for (int k = 0; k < n; k++) {
      JsonNode v = p != null && p.isArray() && p.size() == n ? p.get(k) : null;
      prompts.add(v != null && v.isTextual() ? v.asText() : null);
    }
    List<Long> seeds = new ArrayList<>();
    JsonNode s = root.get("seeds");
    if (s != null && (!s.isArray() || s.size() != n)) {
      throw new IllegalArgumentException(source + ": \"seeds\" must list one seed per per_prompt matrix (" + n + ")");
    }
    for (int k = 0; k < n; k++) {
      JsonNode v = s == null ? null : s.get(k);
      if (v != null && !v.isIntegralNumber()) {
        throw new IllegalArgumentException(source + ": seeds[" + k + "] must be an integer, found " + StrictJson.describe(v));
      }
      seeds.add(v == null ? null : v.asLong());
    }
    return new SampledErrors(source, sha256, steps, mean.maxSkip(), values, prompts, seeds, mean.metadata());
  }

  public int samples() {
    return perSample.length;
  }

  public int steps() {
    return steps;
  }

  public int maxSkip() {
    return maxSkip;
  }

  /** Each sample's prompt (null where the file does not say). */
  public List<String> prompts() {
    return List.copyOf(prompts.stream().map(v -> v == null ? "" : v).toList());
  }

  /** Each sample's noise seed, null where the file does not record one. */
  public List<Long> seeds() {
    return java.util.Collections.unmodifiableList(seeds);
  }

  /** w_k(i, j) of sample k; NaN where there is no edge. */
  public double error(int sample, int i, int j) {
    return perSample[sample][i][j];
  }

  /**
   * The samples at {@code indices} (in that order).
   *
   * @throws IllegalArgumentException when an index is out of range or repeated
   */
  public SampledErrors select(int[] indices) {
    if (indices.length == 0) {
      throw new IllegalArgumentException(source + ": no calibration samples selected");
    }
    TreeSet<Integer> seen = new TreeSet<>();
    double[][][] values = new double[indices.length][][];
    List<String> p = new ArrayList<>();
    List<Long> s = new ArrayList<>();
    for (int k = 0; k < indices.length; k++) {
      int index = indices[k];
      if (index < 0 || index >= samples()) {
        throw new IllegalArgumentException(source + ": sample " + index + " does not exist (the file has samples 0.." + (samples() - 1) + ")");
      }
      if (!seen.add(index)) {
        throw new IllegalArgumentException(source + ": sample " + index + " is selected twice");
      }
      values[k] = perSample[index];
      p.add(prompts.get(index));
      s.add(seeds.get(index));
    }
    return new SampledErrors(source, sha256, steps, maxSkip, values, p, s, metadata);
  }

  /**
   * Parses a sample selection such as {@code 0-7,12,14}: indices and inclusive ranges.
   *
   * @throws IllegalArgumentException on anything else
   */
  public static int[] parseSelection(String spec) {
    List<Integer> out = new ArrayList<>();
    for (String part : spec.split(",")) {
      String t = part.strip();
      try {
        int dash = t.indexOf('-', 1);
        if (dash < 0) {
          out.add(Integer.parseInt(t));
        } else {
          int a = Integer.parseInt(t.substring(0, dash).strip());
          int b = Integer.parseInt(t.substring(dash + 1).strip());
          if (b < a) {
            throw new IllegalArgumentException("--samples: range " + t + " runs backwards");
          }
          for (int v = a; v <= b; v++) {
            out.add(v);
          }
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--samples: '" + t + "' is neither an index nor a range like 0-7");
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * One weight per edge under {@code weight}: an edge exists where every selected sample measured
   * it. The matrix keeps the file's metadata (model, sampler, reuse rule, ...) with
   * {@code edge_weight} and {@code samples} (the count) set, and the file's SHA-256 for provenance;
   * {@code prompts} and {@code seeds} list the selected samples.
   */
  public ErrorMatrix matrix(EdgeWeight weight) {
    ErrorMatrix.Builder b = ErrorMatrix.builder(steps).maxSkip(maxSkip).source(source);
    if (sha256 != null) {
      b.sha256(sha256);
    }
    double[] column = new double[samples()];
    for (int i = 0; i < steps; i++) {
      for (int j = i + 2; j <= Math.min(steps - 1, i + maxSkip); j++) {
        boolean all = true;
        for (int k = 0; k < samples() && all; k++) {
          column[k] = perSample[k][i][j];
          all = !Double.isNaN(column[k]);
        }
        if (all) {
          b.error(i, j, weight.of(column));
        }
      }
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    for (Iterator<Map.Entry<String, JsonNode>> it = metadata.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      if (!key.equals("per_prompt") && !key.equals("spread") && !key.equals(EDGE_WEIGHT) && !key.equals(SAMPLES)
          && !key.equals("prompts") && !key.equals("seeds")) {
        b.metadata(key, e.getValue());
      }
    }
    b.metadata(EDGE_WEIGHT, f.textNode(weight.cliName()));
    b.metadata(SAMPLES, f.numberNode(samples()));
    b.metadata("prompts", f.arrayNode().addAll(prompts.stream().map(v -> v == null ? f.nullNode() : f.textNode(v)).toList()));
    if (seeds.stream().anyMatch(v -> v != null)) {
      b.metadata("seeds", f.arrayNode().addAll(seeds.stream().map(v -> v == null ? f.nullNode() : f.numberNode(v)).toList()));
    }
    return b.build();
  }
}
