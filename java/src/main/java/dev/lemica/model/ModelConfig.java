package dev.lemica.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.Optional;

/** A diffusers {@code config.json}, with typed reads that name the file and key when they fail. */
public final class ModelConfig {
  private final Path file;
  private final JsonNode root;

  private ModelConfig(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  public static ModelConfig read(Path file) {
    return new ModelConfig(file, StrictJson.readObject(file));
  }

  /** A config given as JSON text; {@code source} names it in messages. */
  public static ModelConfig parse(byte[] json, Path source) {
    JsonNode root = StrictJson.parse(json, source.toString());
    if (!root.isObject()) {
      throw new IllegalArgumentException(source + ": not a JSON object");
    }
    return new ModelConfig(source, root);
  }

  public Path file() {
    return file;
  }

  public JsonNode json() {
    return root;
  }

  /**
   * The class the config describes: diffusers' {@code _class_name}, or for a transformers-style
   * config without one (Open-Sora's hub folders) {@code architectures[0]}.
   */
  public String className() {
    JsonNode architectures = root.get("architectures");
    if (root.get("_class_name") == null && architectures != null && architectures.isArray() && architectures.size() > 0
        && architectures.get(0).isTextual()) {
      return architectures.get(0).asText();
    }
    return requireString("_class_name");
  }

  public String requireString(String key) {
    JsonNode n = require(key);
    if (!n.isTextual()) {
      throw fault(key, "is not a string");
    }
    return n.asText();
  }

  public int requireInt(String key) {
    JsonNode n = require(key);
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw fault(key, "is not an integer");
    }
    return n.asInt();
  }

  public int requirePositiveInt(String key) {
    int v = requireInt(key);
    if (v <= 0) {
      throw fault(key, "must be positive, got " + v);
    }
    return v;
  }

  public double requireDouble(String key) {
    JsonNode n = require(key);
    if (!n.isNumber()) {
      throw fault(key, "is not a number");
    }
    return n.asDouble();
  }

  public boolean requireBoolean(String key) {
    JsonNode n = require(key);
    if (!n.isBoolean()) {
      throw fault(key, "is not true/false");
    }
    return n.asBoolean();
  }

  public int[] requireIntArray(String key, int length) {
    JsonNode n = require(key);
    if (!n.isArray() || n.size() != length) {
      throw fault(key, "must be an array of " + length + " integers");
    }
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      if (!n.get(i).isIntegralNumber() || n.get(i).asInt() <= 0) {
        throw fault(key, "must hold positive integers");
      }
      out[i] = n.get(i).asInt();
    }
    return out;
  }

  /** The value, or empty when the key is absent or JSON null. */
  public Optional<JsonNode> optional(String key) {
    JsonNode n = root.get(key);
    return n == null || n.isNull() ? Optional.empty() : Optional.of(n);
  }

  private JsonNode require(String key) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      throw new IllegalArgumentException(file + ": missing key \"" + key + "\"");
    }
    return n;
  }

  public IllegalArgumentException fault(String key, String what) {
    return new IllegalArgumentException(file + ": \"" + key + "\" " + what);
  }
}
