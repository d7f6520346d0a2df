package dev.lemica.solver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads the error-matrix file:
 *
 * <pre>{"steps": T, "max_skip": L (optional), "errors": [[null|number, ...] x T] x T, ...metadata}</pre>
 *
 * Row i, column j holds w(i,j). Only the band 0 &lt; j-i &lt;= L may hold numbers; null anywhere
 * means "no edge" (not measured yet, or outside the band). w(i,i+1) is always an edge with error 0:
 * null or 0 are accepted there, anything else is rejected, since a positive value would mean the
 * calibration measured something that is not a reuse.
 */
final class ErrorMatrixReader {
  private ErrorMatrixReader() {}

  static ErrorMatrix read(Path file) {
    return parse(StrictJson.readBytes(file), file.toString());
  }

  static ErrorMatrix parse(byte[] bytes, String source) {
    JsonNode root = StrictJson.parse(bytes, source);
    if (!root.isObject()) {
      throw fail(source, "expected a JSON object with \"steps\" and \"errors\", found " + StrictJson.describe(root));
    }
    int steps = requireInt(root, ErrorMatrix.STEPS, source);
    if (steps < 2) {
      throw fail(source, "\"steps\" must be at least 2, got " + steps);
    }
    int maxSkip = steps - 1;
    if (root.has(ErrorMatrix.MAX_SKIP)) {
      maxSkip = requireInt(root, ErrorMatrix.MAX_SKIP, source);
      if (maxSkip < 1) {
        throw fail(source, "\"max_skip\" must be at least 1, got " + maxSkip);
      }
      maxSkip = Math.min(maxSkip, steps - 1);
    }
    JsonNode rows = root.get(ErrorMatrix.ERRORS);
    if (rows == null) {
      throw fail(source, "missing \"errors\" (a " + steps + "x" + steps + " array of numbers and nulls)");
    }
    if (!rows.isArray()) {
      throw fail(source, "\"errors\" must be an array of rows, found " + StrictJson.describe(rows));
    }
    if (rows.size() != steps) {
      throw fail(source, "\"errors\" has " + rows.size() + " rows but \"steps\" is " + steps
          + "; the matrix must be " + steps + "x" + steps);
    }
    ErrorMatrix.Builder b = ErrorMatrix.builder(steps).maxSkip(maxSkip).source(source).sha256(StrictJson.sha256(bytes));
    for (int i = 0; i < steps; i++) {
      JsonNode row = rows.get(i);
      if (!row.isArray()) {
        throw fail(source, "errors[" + i + "] must be an array (a row), found " + StrictJson.describe(row));
      }
      if (row.size() != steps) {
        throw fail(source, "errors[" + i + "] has " + row.size() + " entries, expected " + steps
            + " (the matrix must be square)");
      }
      for (int j = 0; j < steps; j++) {
        JsonNode cell = row.get(j);
        if (cell.isNull()) {
          continue;
        }
        if (!cell.isNumber()) {
          throw fail(source, "errors[" + i + "][" + j + "] must be a number or null, found " + StrictJson.describe(cell));
        }
        double w = cell.doubleValue();
        String fault = ErrorMatrix.fault(steps, maxSkip, i, j, w);
        if (fault != null) {
          throw fail(source, "errors[" + i + "][" + j + "] " + fault);
        }
        b.error(i, j, w);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      if (!k.equals(ErrorMatrix.STEPS) && !k.equals(ErrorMatrix.ERRORS) && !k.equals(ErrorMatrix.MAX_SKIP)) {
        b.metadata(k, e.getValue());
      }
    }
    return b.build();
  }

  private static int requireInt(JsonNode root, String key, String source) {
    JsonNode v = root.get(key);
    if (v == null) {
      throw fail(source, "missing \"" + key + "\"");
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw fail(source, "\"" + key + "\" must be an integer, found " + StrictJson.describe(v));
    }
    return v.intValue();
  }

  private static IllegalArgumentException fail(String source, String what) {
    return new IllegalArgumentException(source + ": " + what);
  }
}
