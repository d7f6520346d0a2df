package dev.lemica.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Where a schedule's errors came from, as far as known: the error-matrix file (name and SHA-256 of
 * its bytes) and what the calibration recorded about the run it measured. Every field may be null.
 *
 * @param errorsSha256 lower-case hex SHA-256 of the error-matrix file's bytes
 * @param errorsFile the error-matrix file as it was named when solving
 * @param model model id
 * @param sampler sampler (scheduler) name
 * @param steps number of denoising steps the errors were measured for
 * @param cfgMode classifier-free guidance mode
 * @param edgeWeight how each edge's weight was made from the calibration samples' errors, e.g.
 *     "max over 8 samples" (null: the file does not say, which for older files means the mean)
 * @param reuse the reuse rule the errors were measured under, as the errors file holds it ({@code
 *     {"rule": "magnitude-ratio", "magnitudes": [...]}}); null for plain reuse. A schedule solved
 *     from such errors is only optimal when it runs under the same rule, so it travels with it.
 */
public record Provenance(
    String errorsSha256, String errorsFile, String model, String sampler, Integer steps, String cfgMode, String edgeWeight,
    ObjectNode reuse) {

  public static final Provenance NONE = new Provenance(null, null, null, null, null, null, null, null);

  public Provenance(String errorsSha256, String errorsFile, String model, String sampler, Integer steps, String cfgMode) {
    this(errorsSha256, errorsFile, model, sampler, steps, cfgMode, null, null);
  }

  public Provenance(
      String errorsSha256, String errorsFile, String model, String sampler, Integer steps, String cfgMode, String edgeWeight) {
    this(errorsSha256, errorsFile, model, sampler, steps, cfgMode, edgeWeight, null);
  }

  /**
   * Provenance from an error-matrix file's hash, name, step count and metadata. The metadata keys
   * read are {@code model} (or {@code model_id}), {@code sampler} and {@code cfg_mode} (or {@code
   * cfg}), when they hold strings, and {@code edge_weight} with {@code samples} (how many
   * calibration samples it was taken over).
   */
  public static Provenance fromErrors(String file, String sha256, int steps, Map<String, JsonNode> metadata) {
    return new Provenance(
        sha256,
        file,
        text(metadata, "model", "model_id"),
        text(metadata, "sampler", null),
        steps,
        text(metadata, "cfg_mode", "cfg"),
        edgeWeight(metadata),
        reuse(metadata));
  }

  /** The errors file's reuse rule unless it is plain (or absent). */
  private static ObjectNode reuse(Map<String, JsonNode> metadata) {
    JsonNode r = metadata.get("reuse");
    if (r == null || !r.isObject() || r.path("rule").asText("plain").equals("plain")) {
      return null;
    }
    return ((ObjectNode) r).deepCopy();
  }

  private static String edgeWeight(Map<String, JsonNode> metadata) {
    String weight = text(metadata, "edge_weight", null);
    JsonNode samples = metadata.get("samples");
    if (samples == null || !samples.isInt()) {
      JsonNode prompts = metadata.get("prompts");
      samples = prompts != null && prompts.isArray() ? com.fasterxml.jackson.databind.node.IntNode.valueOf(prompts.size()) : null;
    }
    if (weight == null) {
      return null;
    }
    return samples == null ? weight : weight + " over " + samples.asInt() + " samples";
  }

  private static String text(Map<String, JsonNode> metadata, String key, String alternative) {
    JsonNode v = metadata.get(key);
    if ((v == null || !v.isTextual()) && alternative != null) {
      v = metadata.get(alternative);
    }
    return v != null && v.isTextual() ? v.asText() : null;
  }

  public boolean isEmpty() {
    return equals(NONE);
  }
}
