package dev.lemica.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A schedule file ({@value #FORMAT}): the computed steps plus how they were chosen.
 *
 * <pre>{
 *   "format": "lemica-schedule/1",
 *   "steps": 50,                      // T
 *   "budget": 10,                     // number of computed steps
 *   "computed_steps": [0, 1, 2, 4, 7, 12, 18, 26, 37, 49],
 *   "objective": "lex-minimax",       // lex-minimax | min-sum | minimax-sum | uniform
 *   "max_skip": 12,                   // optional: longest edge allowed when solving
 *   "edge_errors": [0.31, 0.2, ...],  // optional: the path's edge errors, sorted decreasing
 *   "worst_error": 0.31,              // optional: edge_errors[0]
 *   "retargeted_from": {"steps": 50, "computed_steps": [...]},  // optional, see Retarget
 *   "provenance": {"errors_sha256": "...", "errors_file": "...", "model": "...",
 *                  "sampler": "...", "steps": 50, "cfg_mode": "...",
 *                  "edge_weight": "max over 8 samples",
 *                  "reuse": {"rule": "magnitude-ratio", "magnitudes": [...]}}  // optional, any subset
 * }</pre>
 *
 * Reading validates everything and rejects unknown keys, so a typo cannot silently drop a field;
 * every fault is one line naming the file. A retargeted schedule carries no edge errors or max skip:
 * those described the original step grid.
 */
public final class ScheduleFile {
  public static final String FORMAT_NAME = "lemica-schedule";
  public static final int VERSION = 1;
  public static final String FORMAT = FORMAT_NAME + "/" + VERSION;

  /** The objective names of dev.lemica.solver.Objective, plus "uniform". */
  public static final Set<String> OBJECTIVES = Set.of("lex-minimax", "min-sum", "minimax-sum", "uniform");

  private static final Set<String> KEYS = Set.of(
      "format", "steps", "budget", "computed_steps", "objective", "max_skip", "edge_errors",
      "worst_error", "retargeted_from", "provenance");
  private static final Set<String> PROVENANCE_KEYS =
      Set.of("errors_sha256", "errors_file", "model", "sampler", "steps", "cfg_mode", "edge_weight", "reuse");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Schedule schedule;
  private final String objective;
  private final Integer maxSkip;
  private final double[] edgeErrors;
  private final Schedule retargetedFrom;
  private final Provenance provenance;

  /**
   * @param maxSkip null when unknown
   * @param edgeErrors the path's edge errors sorted decreasing, or null when unknown
   * @param retargetedFrom the schedule this one was retargeted from, or null
   * @param provenance null or {@link Provenance#NONE} when unknown
   * @throws IllegalArgumentException when the parts contradict each other
   */
  public ScheduleFile(
      Schedule schedule,
      String objective,
      Integer maxSkip,
      double[] edgeErrors,
      Schedule retargetedFrom,
      Provenance provenance) {
    this.schedule = schedule;
    this.objective = objective;
    this.maxSkip = maxSkip;
    this.edgeErrors = edgeErrors == null ? null : edgeErrors.clone();
    this.retargetedFrom = retargetedFrom;
    this.provenance = provenance == null ? Provenance.NONE : provenance;
    String fault = fault();
    if (fault != null) {
      throw new IllegalArgumentException(fault);
    }
  }

  /** The first contradiction between the parts, or null. */
  private String fault() {
    if (!OBJECTIVES.contains(objective)) {
      return "\"objective\" must be one of " + String.join(", ", OBJECTIVES.stream().sorted().toList())
          + ", found \"" + objective + "\"";
    }
    if (retargetedFrom != null && (edgeErrors != null || maxSkip != null)) {
      return "a retargeted schedule cannot carry edge_errors or max_skip (they describe the original "
          + retargetedFrom.steps() + "-step grid)";
    }
    int[] c = schedule.computedSteps();
    if (maxSkip != null) {
      if (maxSkip < 1) {
        return "\"max_skip\" must be at least 1, found " + maxSkip;
      }
      for (int k = 0; k + 1 < c.length; k++) {
        if (c[k + 1] - c[k] > maxSkip) {
          return "computed steps " + c[k] + " and " + c[k + 1] + " are " + (c[k + 1] - c[k])
              + " apart, more than max_skip " + maxSkip;
        }
      }
    }
    if (edgeErrors != null) {
      if (edgeErrors.length != schedule.budget() - 1) {
        return "\"edge_errors\" has " + edgeErrors.length + " entries, but budget " + schedule.budget()
            + " has " + (schedule.budget() - 1) + " edges";
      }
      for (int k = 0; k < edgeErrors.length; k++) {
        double e = edgeErrors[k];
        if (!(e >= 0) || Double.isInfinite(e)) {
          return "edge_errors[" + k + "] = " + e + " is not a finite number >= 0";
        }
        if (k > 0 && e > edgeErrors[k - 1]) {
          return "\"edge_errors\" must be sorted in decreasing order, but " + e + " follows " + edgeErrors[k - 1];
        }
      }
    }
    Integer pSteps = provenance.steps();
    if (pSteps != null) {
      int measured = retargetedFrom != null ? retargetedFrom.steps() : schedule.steps();
      if (pSteps != measured) {
        return "provenance.steps is " + pSteps + " but the schedule"
            + (retargetedFrom != null ? " was retargeted from " : " has ") + measured + " steps";
      }
    }
    if (provenance.errorsSha256() != null && !SHA256.matcher(provenance.errorsSha256()).matches()) {
      return "provenance.errors_sha256 must be 64 lower-case hex digits";
    }
    return null;
  }

  /** A freshly solved (or evaluated) schedule: no retargeting. */
  public static ScheduleFile solved(
      Schedule schedule, String objective, Integer maxSkip, double[] sortedEdgeErrors, Provenance provenance) {
    return new ScheduleFile(schedule, objective, maxSkip, sortedEdgeErrors, null, provenance);
  }

  public Schedule schedule() {
    return schedule;
  }

  public String objective() {
    return objective;
  }

  public Integer maxSkip() {
    return maxSkip;
  }

  /** Edge errors sorted decreasing, or null when not recorded. */
  public double[] edgeErrors() {
    return edgeErrors == null ? null : edgeErrors.clone();
  }

  /** The largest edge error, or null when not recorded (or there is no edge). */
  public Double worstError() {
    return edgeErrors == null || edgeErrors.length == 0 ? null : edgeErrors[0];
  }

  /** The schedule this one was retargeted from, or null. */
  public Schedule retargetedFrom() {
    return retargetedFrom;
  }

  public Provenance provenance() {
    return provenance;
  }

  /**
   * This schedule moved to {@code steps} steps by the rule of {@link Retarget}; the result remembers
   * the schedule it came from (the original one when retargeted twice).
   */
  public ScheduleFile retarget(int steps) {
    if (steps == schedule.steps()) {
      return this;
    }
    Schedule origin = retargetedFrom != null ? retargetedFrom : schedule;
    Schedule moved = Retarget.toSteps(origin, steps);
    return new ScheduleFile(moved, objective, null, null, origin, provenance);
  }

  // ---------------------------------------------------------------- reading

  /** Reads and validates a schedule file, whatever its step count. */
  public static ScheduleFile read(Path file) {
    return parse(StrictJson.readBytes(file), file.toString());
  }

  /**
   * Reads a schedule for a run of {@code steps} steps; a schedule for another step count is an error
   * (use {@link #readRetargeted} to convert it explicitly).
   */
  public static ScheduleFile readFor(Path file, int steps) {
    ScheduleFile s = read(file);
    if (s.schedule.steps() != steps) {
      throw new IllegalArgumentException(file + ": the schedule is for " + s.schedule.steps()
          + " steps, not " + steps + "; retarget it explicitly to use it for " + steps + " steps");
    }
    return s;
  }

  /** Reads a schedule and retargets it to {@code steps} steps when it was made for another count. */
  public static ScheduleFile readRetargeted(Path file, int steps) {
    return read(file).retarget(steps);
  }

  /** Parses schedule JSON; {@code source} names it in messages. */
  public static ScheduleFile parse(byte[] json, String source) {
    JsonNode root = StrictJson.parse(json, source);
    try {
      return fromJson(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static ScheduleFile fromJson(JsonNode root) {
    if (!root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object (a LeMiCa schedule), found " + StrictJson.describe(root));
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown key \"" + key + "\" in a " + FORMAT + " file");
      }
    }
    checkFormat(root.get("format"));
    int steps = integer(root, "steps");
    Schedule schedule = schedule(steps, root.get("computed_steps"), "computed_steps");
    int budget = integer(root, "budget");
    if (budget != schedule.budget()) {
      throw new IllegalArgumentException("\"budget\" is " + budget + " but \"computed_steps\" lists "
          + schedule.budget() + " steps");
    }
    String objective = text(root, "objective", true);
    Integer maxSkip = root.has("max_skip") ? integer(root, "max_skip") : null;
    double[] errors = root.has("edge_errors") ? numbers(root.get("edge_errors"), "edge_errors") : null;
    if (root.has("worst_error")) {
      JsonNode w = root.get("worst_error");
      if (!w.isNumber()) {
        throw new IllegalArgumentException("\"worst_error\" must be a number, found " + StrictJson.describe(w));
      }
      if (errors == null || errors.length == 0 || w.doubleValue() != errors[0]) {
        throw new IllegalArgumentException("\"worst_error\" must equal the first (largest) of \"edge_errors\"");
      }
    }
    Schedule from = null;
    if (root.has("retargeted_from")) {
      JsonNode r = root.get("retargeted_from");
      if (!r.isObject()) {
        throw new IllegalArgumentException("\"retargeted_from\" must be an object, found " + StrictJson.describe(r));
      }
      for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!key.equals("steps") && !key.equals("computed_steps")) {
          throw new IllegalArgumentException("unknown key \"" + key + "\" in \"retargeted_from\"");
        }
      }
      from = schedule(integer(r, "steps"), r.get("computed_steps"), "retargeted_from.computed_steps");
    }
    Provenance provenance = root.has("provenance") ? provenance(root.get("provenance")) : Provenance.NONE;
    return new ScheduleFile(schedule, objective, maxSkip, errors, from, provenance);
  }

  private static void checkFormat(JsonNode f) {
    if (f == null) {
      throw new IllegalArgumentException("missing \"format\"; expected \"" + FORMAT + "\"");
    }
    if (!f.isTextual() || !f.asText().startsWith(FORMAT_NAME + "/")) {
      throw new IllegalArgumentException("not a LeMiCa schedule: \"format\" is " + StrictJson.describe(f)
          + ", expected \"" + FORMAT + "\"");
    }
    String version = f.asText().substring(FORMAT_NAME.length() + 1);
    if (!version.equals(Integer.toString(VERSION))) {
      throw new IllegalArgumentException("schedule format version \"" + version
          + "\" is not supported; this build reads " + FORMAT);
    }
  }

  private static Schedule schedule(int steps, JsonNode list, String key) {
    if (list == null) {
      throw new IllegalArgumentException("missing \"" + key + "\"");
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException("\"" + key + "\" must be an array of step indices, found " + StrictJson.describe(list));
    }
    int[] c = new int[list.size()];
    for (int k = 0; k < c.length; k++) {
      JsonNode v = list.get(k);
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new IllegalArgumentException(key + "[" + k + "] must be a step index (an integer), found " + StrictJson.describe(v));
      }
      c[k] = v.intValue();
    }
    try {
      return Schedule.of(steps, c);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + key + "\": " + e.getMessage(), e);
    }
  }

  private static int integer(JsonNode obj, String key) {
    JsonNode v = obj.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing \"" + key + "\"");
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException("\"" + key + "\" must be an integer, found " + StrictJson.describe(v));
    }
    return v.intValue();
  }

  private static String text(JsonNode obj, String key, boolean required) {
    JsonNode v = obj.get(key);
    if (v == null) {
      if (required) {
        throw new IllegalArgumentException("missing \"" + key + "\"");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("\"" + key + "\" must be a string, found " + StrictJson.describe(v));
    }
    return v.asText();
  }

  private static double[] numbers(JsonNode list, String key) {
    if (!list.isArray()) {
      throw new IllegalArgumentException("\"" + key + "\" must be an array of numbers, found " + StrictJson.describe(list));
    }
    double[] out = new double[list.size()];
    for (int k = 0; k < out.length; k++) {
      JsonNode v = list.get(k);
      if (!v.isNumber()) {
        throw new IllegalArgumentException(key + "[" + k + "] must be a number, found " + StrictJson.describe(v));
      }
      out[k] = v.doubleValue();
    }
    return out;
  }

  private static Provenance provenance(JsonNode p) {
    if (!p.isObject()) {
      throw new IllegalArgumentException("\"provenance\" must be an object, found " + StrictJson.describe(p));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
      String key = it.next().getKey();
      if (!PROVENANCE_KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown key \"" + key + "\" in \"provenance\"");
      }
    }
    Integer steps = null;
    if (p.has("steps")) {
      JsonNode s = p.get("steps");
      if (!s.isIntegralNumber() || !s.canConvertToInt() || s.intValue() < 1) {
        throw new IllegalArgumentException("provenance.steps must be a positive integer, found " + StrictJson.describe(s));
      }
      steps = s.intValue();
    }
    ObjectNode reuse = null;
    if (p.has("reuse")) {
      JsonNode r = p.get("reuse");
      if (!r.isObject() || !r.path("rule").isTextual()) {
        throw new IllegalArgumentException("provenance.reuse must be an object with a \"rule\", found " + StrictJson.describe(r));
      }
      reuse = (ObjectNode) r;
    }
    return new Provenance(
        provText(p, "errors_sha256"), provText(p, "errors_file"), provText(p, "model"),
        provText(p, "sampler"), steps, provText(p, "cfg_mode"), provText(p, "edge_weight"), reuse);
  }

  private static String provText(JsonNode p, String key) {
    JsonNode v = p.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("provenance." + key + " must be a string, found " + StrictJson.describe(v));
    }
    return v.asText();
  }

  // ---------------------------------------------------------------- writing

  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("format", FORMAT);
    root.put("steps", schedule.steps());
    root.put("budget", schedule.budget());
    ArrayNode c = root.putArray("computed_steps");
    for (int s : schedule.computedSteps()) {
      c.add(s);
    }
    root.put("objective", objective);
    if (maxSkip != null) {
      root.put("max_skip", maxSkip);
    }
    if (edgeErrors != null) {
      ArrayNode e = root.putArray("edge_errors");
      for (double w : edgeErrors) {
        e.add(w);
      }
      if (edgeErrors.length > 0) {
        root.put("worst_error", edgeErrors[0]);
      }
    }
    if (retargetedFrom != null) {
      ObjectNode r = root.putObject("retargeted_from");
      r.put("steps", retargetedFrom.steps());
      ArrayNode rc = r.putArray("computed_steps");
      for (int s : retargetedFrom.computedSteps()) {
        rc.add(s);
      }
    }
    if (!provenance.isEmpty()) {
      ObjectNode p = root.putObject("provenance");
      putIf(p, "errors_sha256", provenance.errorsSha256());
      putIf(p, "errors_file", provenance.errorsFile());
      putIf(p, "model", provenance.model());
      putIf(p, "sampler", provenance.sampler());
      if (provenance.steps() != null) {
        p.put("steps", provenance.steps());
      }
      putIf(p, "cfg_mode", provenance.cfgMode());
      putIf(p, "edge_weight", provenance.edgeWeight());
      if (provenance.reuse() != null) {
        p.set("reuse", provenance.reuse().deepCopy());
      }
    }
    return root;
  }

  private static void putIf(ObjectNode o, String key, String value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  /** The JSON text {@link #parse} reads back to an equal file. */
  public String toJsonText() {
    return StrictJson.write(toJson());
  }

  public void write(Path file) {
    StrictJson.writeFile(file, toJsonText());
  }
}
