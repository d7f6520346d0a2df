package dev.lemica.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.io.Warnings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A {@code scheduler_config.json} as diffusers' {@code from_config} reads it: a missing entry takes
 * the scheduler's {@code __init__} default, and an entry the scheduler does not know is ignored (with
 * a warning, as diffusers logs one). Every fault is one line naming the file and the entry.
 */
public final class SchedulerConfig {
  private final String source;
  private final ObjectNode root;
  private final Set<String> consulted = new HashSet<>();

  private SchedulerConfig(String source, ObjectNode root) {
    this.source = source;
    this.root = root;
  }

  public static SchedulerConfig read(Path file) {
    return parse(StrictJson.readBytes(file), file.toString());
  }

  /** Parses config JSON; {@code source} names it in messages. */
  public static SchedulerConfig parse(byte[] json, String source) {
    JsonNode root = StrictJson.parse(json, source);
    if (!root.isObject()) {
      throw new IllegalArgumentException(source + ": expected a JSON object (a scheduler config), found " + StrictJson.describe(root));
    }
    SchedulerConfig config = new SchedulerConfig(source, (ObjectNode) root);
    config.className();
    return config;
  }

  /** The same config with {@code key} set to {@code value} (how a CLI flag overrides a built-in config). */
  public SchedulerConfig with(String key, double value) {
    ObjectNode copy = root.deepCopy();
    copy.put(key, value);
    return new SchedulerConfig(source, copy);
  }

  public String source() {
    return source;
  }

  /** {@code _class_name}: which scheduler this configures. */
  public String className() {
    JsonNode n = root.get("_class_name");
    if (n == null || !n.isTextual()) {
      throw fault("\"_class_name\" must name the scheduler class, found " + StrictJson.describe(n));
    }
    return n.asText();
  }

  private JsonNode value(String key) {
    consulted.add(key);
    JsonNode n = root.get(key);
    return n == null || n.isNull() ? null : n;
  }

  /** Whether the entry is present and not null. */
  boolean has(String key) {
    return value(key) != null;
  }

  double number(String key, double fallback) {
    JsonNode n = value(key);
    if (n == null) {
      return fallback;
    }
    if (!n.isNumber()) {
      throw fault("\"" + key + "\" must be a number, found " + StrictJson.describe(n));
    }
    return n.doubleValue();
  }

  /** A number that may be absent or null (Python None). */
  Double optionalNumber(String key) {
    return has(key) ? number(key, 0) : null;
  }

  int integer(String key, int fallback) {
    JsonNode n = value(key);
    if (n == null) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw fault("\"" + key + "\" must be an integer, found " + StrictJson.describe(n));
    }
    return n.intValue();
  }

  boolean bool(String key, boolean fallback) {
    JsonNode n = value(key);
    if (n == null) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw fault("\"" + key + "\" must be true or false, found " + StrictJson.describe(n));
    }
    return n.booleanValue();
  }

  String text(String key, String fallback) {
    JsonNode n = value(key);
    if (n == null) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw fault("\"" + key + "\" must be a string, found " + StrictJson.describe(n));
    }
    return n.asText();
  }

  /** One of {@code allowed}; any other value is an option this port does not implement. */
  String choice(String key, String fallback, String... allowed) {
    String v = text(key, fallback);
    if (!List.of(allowed).contains(v)) {
      throw unsupported(key, "\"" + v + "\"", String.join(", ", allowed));
    }
    return v;
  }

  /** The option must keep the value this port implements (usually diffusers' default). */
  void require(String key, boolean implemented) {
    boolean v = bool(key, implemented);
    if (v != implemented) {
      throw unsupported(key, Boolean.toString(v), Boolean.toString(implemented));
    }
  }

  /** The option must be absent or null. */
  void requireNull(String key) {
    JsonNode n = value(key);
    if (n != null) {
      throw unsupported(key, StrictJson.describe(n), "null");
    }
  }

  List<Integer> integers(String key) {
    JsonNode n = value(key);
    List<Integer> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (!n.isArray()) {
      throw fault("\"" + key + "\" must be a list of integers, found " + StrictJson.describe(n));
    }
    for (JsonNode v : n) {
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw fault("\"" + key + "\" must be a list of integers, found an element " + StrictJson.describe(v));
      }
      out.add(v.intValue());
    }
    return out;
  }

  double[] numbers(String key) {
    JsonNode n = value(key);
    if (n == null) {
      return null;
    }
    if (!n.isArray()) {
      throw fault("\"" + key + "\" must be a list of numbers, found " + StrictJson.describe(n));
    }
    double[] out = new double[n.size()];
    for (int i = 0; i < out.length; i++) {
      if (!n.get(i).isNumber()) {
        throw fault("\"" + key + "\"[" + i + "] must be a number, found " + StrictJson.describe(n.get(i)));
      }
      out[i] = n.get(i).doubleValue();
    }
    return out;
  }

  /** An object-valued entry as a config of its own (same file, entries prefixed in messages). */
  SchedulerConfig object(String key) {
    JsonNode n = value(key);
    if (n == null) {
      return new SchedulerConfig(source, root.objectNode());
    }
    if (!n.isObject()) {
      throw fault("\"" + key + "\" must be an object, found " + StrictJson.describe(n));
    }
    return new SchedulerConfig(source, (ObjectNode) n);
  }

  public IllegalArgumentException fault(String what) {
    return new IllegalArgumentException(source + ": " + what);
  }

  IllegalArgumentException unsupported(String key, String value, String implemented) {
    return fault("\"" + key + "\": " + value + " is not implemented for " + root.path("_class_name").asText("this scheduler")
        + " (implemented: " + implemented + ")");
  }

  /** Warns (one line) about the entries the scheduler never read: diffusers ignores them too. */
  void warnUnread() {
    List<String> unread = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.startsWith("_") && !consulted.contains(key)) {
        unread.add(key);
      }
    }
    if (!unread.isEmpty()) {
      Warnings.warn(source + ": ignoring " + unread + ", which " + className() + " does not take");
    }
  }
}
