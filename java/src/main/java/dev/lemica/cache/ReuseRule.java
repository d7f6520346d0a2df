package dev.lemica.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * What a reusing step adds to its hidden states: the residual last computed, at step {@code from},
 * times {@link #scale(int, int) scale(from, to)}. The scale depends on the two steps only, never
 * on the run, so the error of a LeMiCa edge i→j still depends on i and j alone and calibration can
 * measure it under the same rule that runs.
 */
public sealed interface ReuseRule {
  /** Today's reuse: the residual unchanged. */
  ReuseRule PLAIN = new Plain();

  /** The factor for the residual computed at {@code from} when it is reused at {@code to} (from &lt; to). */
  double scale(int from, int to);

  /** The name in files and on the command line: plain, magnitude-ratio. */
  String cliName();

  /** {"rule": name, ...} as errors and schedule files keep it. */
  ObjectNode toJson();

  /**
   * The residual scaled to the calibrated mean magnitude of the step that reuses it: scale(i, k) =
   * m[k] / m[i], with m[s] the mean per-token L2 norm of the block-stack residual at step s on the
   * calibration samples' full runs. MagCache's observation is that this magnitude changes smoothly
   * and alike across prompts (a ratio near 1 mid-run, falling at the last steps), so a stale
   * residual is mostly wrong in size, not direction.
   */
  static ReuseRule magnitudeRatio(double[] magnitudes) {
    return new MagnitudeRatio(magnitudes);
  }

  /**
   * Reads {@code {"rule": "plain"}} or {@code {"rule": "magnitude-ratio", "magnitudes": [...]}} for
   * a run of {@code steps} steps.
   *
   * @throws IllegalArgumentException with the fault (the caller prefixes its file name)
   */
  static ReuseRule fromJson(JsonNode node, int steps) {
    if (node == null || !node.isObject() || !node.path("rule").isTextual()) {
      throw new IllegalArgumentException("\"reuse\" must be an object with a \"rule\" (plain or magnitude-ratio)");
    }
    String rule = node.get("rule").asText();
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("rule") && !(key.equals("magnitudes") && rule.equals("magnitude-ratio"))) {
        throw new IllegalArgumentException("unknown key \"" + key + "\" in \"reuse\" (rule " + rule + ")");
      }
    }
    switch (rule) {
      case "plain":
        return PLAIN;
      case "magnitude-ratio":
        JsonNode m = node.get("magnitudes");
        if (m == null || !m.isArray() || m.size() != steps) {
          throw new IllegalArgumentException("reuse.magnitudes must list one number per step (" + steps + ")");
        }
        double[] values = new double[steps];
        for (int s = 0; s < steps; s++) {
          if (!m.get(s).isNumber()) {
            throw new IllegalArgumentException("reuse.magnitudes[" + s + "] must be a number");
          }
          values[s] = m.get(s).asDouble();
        }
        return magnitudeRatio(values);
      default:
        throw new IllegalArgumentException("unknown reuse rule \"" + rule + "\" (known: plain, magnitude-ratio)");
    }
  }

  /** The same rule on another step grid (a retargeted schedule): magnitudes by nearest step position. */
  ReuseRule retarget(int steps);

  record Plain() implements ReuseRule {
    @Override
    public double scale(int from, int to) {
      return 1.0;
    }

    @Override
    public String cliName() {
      return "plain";
    }

    @Override
    public ObjectNode toJson() {
      return JsonNodeFactory.instance.objectNode().put("rule", cliName());
    }

    @Override
    public ReuseRule retarget(int steps) {
      return this;
    }
  }

  record MagnitudeRatio(double[] magnitudes) implements ReuseRule {
    public MagnitudeRatio {
      magnitudes = magnitudes.clone();
      for (int s = 0; s < magnitudes.length; s++) {
        if (!(magnitudes[s] > 0) || Double.isInfinite(magnitudes[s])) {
          throw new IllegalArgumentException("reuse.magnitudes[" + s + "] must be a finite positive number, got " + magnitudes[s]);
        }
      }
    }

    @Override
    public double scale(int from, int to) {
      return magnitudes[to] / magnitudes[from];
    }

    @Override
    public String cliName() {
      return "magnitude-ratio";
    }

    @Override
    public double[] magnitudes() {
      return magnitudes.clone();
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode n = JsonNodeFactory.instance.objectNode().put("rule", cliName());
      ArrayNode a = n.putArray("magnitudes");
      for (double m : magnitudes) {
        a.add(m);
      }
      return n;
    }

    @Override
    public ReuseRule retarget(int steps) {
      if (steps == magnitudes.length) {
        return this;
      }
      double[] out = new double[steps];
      for (int s = 0; s < steps; s++) {
        double position = steps == 1 ? magnitudes.length - 1 : (double) s * (magnitudes.length - 1) / (steps - 1);
        out[s] = magnitudes[(int) Math.round(position)];
      }
      return new MagnitudeRatio(out);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof MagnitudeRatio r && Arrays.equals(magnitudes, r.magnitudes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(magnitudes);
    }

    @Override
    public String toString() {
      return "MagnitudeRatio" + Arrays.toString(magnitudes);
    }
  }
}
