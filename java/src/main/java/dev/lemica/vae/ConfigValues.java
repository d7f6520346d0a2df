package dev.lemica.vae;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import java.util.Optional;

/**
 * Typed reads of optional VAE config keys as diffusers treats them: an absent key (or JSON null)
 * takes the constructor's default, a present one must have the right type, and a fault names the
 * file and the key.
 */
public final class ConfigValues {
  private ConfigValues() {}

  public static int positiveInt(ModelConfig c, String key, int fallback) {
    return c.optional(key).isPresent() ? c.requirePositiveInt(key) : fallback;
  }

  /** A positive finite number. */
  public static double positiveDouble(ModelConfig c, String key, double fallback) {
    if (c.optional(key).isEmpty()) {
      return fallback;
    }
    double v = c.requireDouble(key);
    if (!(v > 0) || Double.isInfinite(v)) {
      throw c.fault(key, "must be a positive number, got " + v);
    }
    return v;
  }

  public static boolean bool(ModelConfig c, String key, boolean fallback) {
    return c.optional(key).isPresent() ? c.requireBoolean(key) : fallback;
  }

  public static int[] positiveInts(ModelConfig c, String key, int[] fallback) {
    Optional<JsonNode> n = c.optional(key);
    if (n.isEmpty()) {
      return fallback;
    }
    JsonNode a = n.get();
    if (!a.isArray() || a.isEmpty()) {
      throw c.fault(key, "must be a non-empty array of positive integers");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).isIntegralNumber() || !a.get(i).canConvertToInt() || a.get(i).asInt() <= 0) {
        throw c.fault(key, "must be a non-empty array of positive integers");
      }
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  public static boolean[] booleans(ModelConfig c, String key, boolean[] fallback) {
    Optional<JsonNode> n = c.optional(key);
    if (n.isEmpty()) {
      return fallback;
    }
    JsonNode a = n.get();
    if (!a.isArray()) {
      throw c.fault(key, "must be an array of true/false");
    }
    boolean[] out = new boolean[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).isBoolean()) {
        throw c.fault(key, "must be an array of true/false");
      }
      out[i] = a.get(i).asBoolean();
    }
    return out;
  }

  public static String[] strings(ModelConfig c, String key, String[] fallback) {
    Optional<JsonNode> n = c.optional(key);
    if (n.isEmpty()) {
      return fallback;
    }
    JsonNode a = n.get();
    if (!a.isArray() || a.isEmpty()) {
      throw c.fault(key, "must be a non-empty array of strings");
    }
    String[] out = new String[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).isTextual()) {
        throw c.fault(key, "must be a non-empty array of strings");
      }
      out[i] = a.get(i).asText();
    }
    return out;
  }
}
