package dev.lemica.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompts and noise seeds an evaluation shares with the calibration its schedules were solved
 * from: a schedule scored on its own calibration samples says little about prompts and seeds it
 * never saw. Empty lists mean held out (as far as the calibration file tells).
 */
public record CalibrationOverlap(List<String> prompts, List<Long> seeds) {
  private static final Pattern SEED = Pattern.compile("seed (-?\\d+)");

  public CalibrationOverlap {
    prompts = List.copyOf(prompts);
    seeds = List.copyOf(seeds);
  }

  /**
   * @param calibration an errors file's metadata: {@code prompts}, and {@code seeds} (one per sample)
   *     or {@code noise} "seed N" (one draw for the batch; a pooled file names several); a calibration from a noise file has no seed
   * @param evaluationSeeds the seeds the evaluation draws from (empty when it reads a noise file)
   */
  public static CalibrationOverlap of(Map<String, JsonNode> calibration, List<String> evaluationPrompts, List<Long> evaluationSeeds) {
    Set<String> calibrated = new LinkedHashSet<>();
    JsonNode p = calibration.get("prompts");
    if (p != null && p.isArray()) {
      p.forEach(v -> calibrated.add(v.asText()));
    }
    Set<Long> calibratedSeeds = new LinkedHashSet<>();
    JsonNode s = calibration.get("seeds");
    if (s != null && s.isArray()) {
      s.forEach(v -> calibratedSeeds.add(v.asLong()));
    } else if (calibration.get("noise") != null) {
      // "seed N", or a pooled calibration's "pooled: seed N; seed M (2 samples drawn together)".
      Matcher m = SEED.matcher(calibration.get("noise").asText());
      while (m.find()) {
        calibratedSeeds.add(Long.parseLong(m.group(1)));
      }
    }
    List<String> sharedPrompts = new ArrayList<>(new LinkedHashSet<>(evaluationPrompts.stream().filter(calibrated::contains).toList()));
    List<Long> sharedSeeds = new ArrayList<>(new LinkedHashSet<>(evaluationSeeds.stream().filter(calibratedSeeds::contains).toList()));
    return new CalibrationOverlap(sharedPrompts, sharedSeeds);
  }

  public boolean heldOut() {
    return prompts.isEmpty() && seeds.isEmpty();
  }

  /** One line for the console: what is shared, or that nothing is. */
  public String describe() {
    if (heldOut()) {
      return "held out: no prompt and no seed of the evaluation was calibrated on";
    }
    List<String> parts = new ArrayList<>();
    if (!prompts.isEmpty()) {
      parts.add(prompts.size() + " prompt(s) " + prompts);
    }
    if (!seeds.isEmpty()) {
      parts.add("seed(s) " + seeds);
    }
    return "not held out: the LeMiCa schedules were calibrated on " + String.join(" and ", parts) + " of this evaluation";
  }

  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode n = f.objectNode().put("held_out", heldOut());
    n.putArray("shared_prompts").addAll(prompts.stream().map(f::textNode).toList());
    n.putArray("shared_seeds").addAll(seeds.stream().map(f::numberNode).toList());
    return n;
  }
}
