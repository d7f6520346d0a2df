package dev.lemica.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.cache.ReuseRule;
import dev.lemica.solver.EdgeWeight;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The error-matrix file calibration writes and the solver reads: {@code steps}, {@code max_skip},
 * {@code errors} (T×T, row i column j = w(i,j) over the samples under {@code edge_weight}, the mean
 * unless chosen otherwise; null where there is no edge or it is not measured yet), {@code
 * per_prompt} (one matrix per sample, whatever the weight) and {@code spread} (standard deviation
 * over samples), the setup as metadata ({@code prompts}, and {@code seeds} when each sample has its
 * own noise seed), {@code reuse} (the rule reused steps were measured under, with its magnitudes),
 * {@code complete}, and the seconds spent so far. Written
 * atomically after every group, so an interrupted calibration continues where it stopped.
 */
public final class ErrorsFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorsFile() {}

  public static void write(Path file, CalibrationSetup setup, EdgeErrors errors, double seconds) {
    write(file, setup, errors, seconds, EdgeWeight.MEAN, ReuseRule.PLAIN);
  }

  /**
   * @param weight what {@code errors} holds for each edge (recorded as {@code edge_weight}); the
   *     per-sample values are written whatever it is
   * @param reuse the rule reused steps were measured under, magnitudes included
   */
  public static void write(Path file, CalibrationSetup setup, EdgeErrors errors, double seconds, EdgeWeight weight, ReuseRule reuse) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "lemica-errors/1");
    root.put("steps", errors.steps());
    root.put("max_skip", errors.maxSkip());
    root.put("complete", errors.complete());
    root.put("edge_weight", weight.cliName());
    root.set("errors", matrix(errors, -1, false, weight));
    root.set("spread", matrix(errors, -1, true, weight));
    ArrayNode perPrompt = root.putArray("per_prompt");
    for (int p = 0; p < errors.prompts(); p++) {
      perPrompt.add(matrix(errors, p, false, weight));
    }
    root.setAll(setup.toJson());
    root.set("reuse", reuse.toJson());
    root.put("steps", errors.steps());
    root.put("calibration_seconds", Math.round(seconds * 10) / 10.0);
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
      Files.writeString(tmp, compactRows(root));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
    }
  }

  private static ArrayNode matrix(EdgeErrors errors, int prompt, boolean spread, EdgeWeight weight) {
    ArrayNode rows = JSON.createArrayNode();
    for (int i = 0; i < errors.steps(); i++) {
      ArrayNode row = rows.addArray();
      for (int j = 0; j < errors.steps(); j++) {
        boolean edge = j == i + 1 || errors.isMeasuredEdge(i, j);
        double v = !edge ? Double.NaN : prompt >= 0 ? errors.get(prompt, i, j) : spread ? errors.spread(i, j) : errors.weighted(i, j, weight);
        if (Double.isNaN(v)) {
          row.addNull();
        } else {
          row.add(v);
        }
      }
    }
    return rows;
  }

  /** Top-level keys one per line, and one matrix row per line: a 50×50 matrix stays readable and diffable. */
  private static String compactRows(ObjectNode root) throws IOException {
    StringBuilder out = new StringBuilder("{\n");
    for (var it = root.fields(); it.hasNext(); ) {
      var field = it.next();
      out.append("  ").append(JSON.writeValueAsString(field.getKey())).append(": ");
      appendValue(out, field.getValue(), "  ");
      out.append(it.hasNext() ? ",\n" : "\n");
    }
    return out.append("}\n").toString();
  }

  private static void appendValue(StringBuilder out, JsonNode value, String indent) throws IOException {
    boolean nested = value.isArray() && value.size() > 0 && value.get(0).isArray();
    if (!nested) {
      out.append(JSON.writeValueAsString(value));
      return;
    }
    out.append("[\n");
    for (int i = 0; i < value.size(); i++) {
      out.append(indent).append("  ");
      appendValue(out, value.get(i), indent + "  ");
      out.append(i + 1 < value.size() ? ",\n" : "\n");
    }
    out.append(indent).append("]");
  }

  /**
   * The reuse rule a file's edges were measured under, so that a continued calibration measures
   * the rest under the same one (magnitudes included); plain for files from before reuse rules.
   *
   * @throws IllegalArgumentException when the file's rule is malformed
   */
  public static ReuseRule savedReuse(Path file, int steps) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    JsonNode reuse = root == null ? null : root.get("reuse");
    if (reuse == null) {
      return ReuseRule.PLAIN;
    }
    try {
      return ReuseRule.fromJson(reuse, steps);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
  }

  /**
   * Loads the measured values of a file written for the same setup, so calibration continues it.
   *
   * @throws IllegalArgumentException when the file is unreadable or its setup differs
   */
  public static EdgeErrors resume(Path file, CalibrationSetup setup) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot continue it, not a readable errors file (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (root == null || !"lemica-errors/1".equals(root.path("format").asText())) {
      throw new IllegalArgumentException(file + ": cannot continue it, not a lemica-errors/1 file");
    }
    String differs = setup.firstDifference(root);
    if (differs != null) {
      JsonNode saved = differs.equals("reuse") ? root.path("reuse").path("rule") : root.get(differs);
      throw new IllegalArgumentException(
          file + ": was calibrated with a different " + differs + " (" + saved + "); choose another --out or match it");
    }
    EdgeErrors errors = new EdgeErrors(setup.steps(), setup.maxSkip(), setup.prompts().size());
    JsonNode perPrompt = root.path("per_prompt");
    if (!perPrompt.isArray() || perPrompt.size() != setup.prompts().size()) {
      throw new IllegalArgumentException(file + ": per_prompt must hold one matrix per prompt");
    }
    for (int p = 0; p < perPrompt.size(); p++) {
      for (int i = 0; i < setup.steps(); i++) {
        for (int j = 0; j < setup.steps(); j++) {
          JsonNode v = perPrompt.get(p).path(i).path(j);
          if (errors.isMeasuredEdge(i, j) && v.isNumber()) {
            errors.set(p, i, j, v.asDouble());
          }
        }
      }
    }
    return errors;
  }
}
