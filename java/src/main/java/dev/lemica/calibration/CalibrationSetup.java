package dev.lemica.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.SamplerNames;
import java.util.List;

/**
 * Everything that determines calibration results. A partially filled errors file is continued only
 * when its setup equals the requested one.
 *
 * @param prompts each calibration sample's prompt (a prompt repeats when it runs under several seeds)
 * @param sampler the sampler's {@link dev.lemica.sampling.Sampler#describe()}, as provenance records it
 * @param video the sample size as WIDTHxHEIGHTxFRAMES where the pipeline lets it vary, else null
 *     (the embedded model's size is fixed)
 * @param shift the flow shift, or NaN where the sampler has none (recorded as null)
 * @param reuse the {@link dev.lemica.cache.ReuseRule} name reused steps are measured under
 * @param seeds each sample's noise seed when every sample has its own ({@code --seeds}), else null
 */
public record CalibrationSetup(
    String model,
    List<String> prompts,
    String noise,
    int steps,
    double shift,
    double guidance,
    int maxSkip,
    String cfg,
    String compute,
    String sampler,
    String video,
    String reuse,
    List<Long> seeds) {

  public CalibrationSetup {
    if (seeds != null && seeds.size() != prompts.size()) {
      throw new IllegalArgumentException("calibration has " + prompts.size() + " samples but " + seeds.size() + " seeds");
    }
    if (!reuse.equals("plain") && !reuse.equals("magnitude-ratio")) {
      throw new IllegalArgumentException("unknown reuse rule '" + reuse + "' (known: plain, magnitude-ratio)");
    }
  }

  /** A setup with plain reuse and one noise draw for the whole batch. */
  public CalibrationSetup(
      String model, List<String> prompts, String noise, int steps, double shift, double guidance, int maxSkip, String cfg,
      String compute, String sampler, String video) {
    this(model, prompts, noise, steps, shift, guidance, maxSkip, cfg, compute, sampler, video, "plain", null);
  }

  public CalibrationSetup(
      String model, List<String> prompts, String noise, int steps, double shift, double guidance, int maxSkip, String cfg,
      String compute, String sampler) {
    this(model, prompts, noise, steps, shift, guidance, maxSkip, cfg, compute, sampler, null);
  }

  /** A setup sampled with the embedded model's flow-matching Euler at {@code shift}. */
  public CalibrationSetup(
      String model, List<String> prompts, String noise, int steps, double shift, double guidance, int maxSkip, String cfg, String compute) {
    this(model, prompts, noise, steps, shift, guidance, maxSkip, cfg, compute, new FlowMatchEuler(steps, shift).describe());
  }

  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("model", model);
    n.putArray("prompts").addAll(prompts.stream().map(JsonNodeFactory.instance::textNode).toList());
    n.put("noise", noise);
    n.put("sampler", sampler);
    n.put("steps", steps);
    if (video != null) {
      n.put("video", video);
    }
    if (Double.isNaN(shift)) {
      n.putNull("shift");
    } else {
      n.put("shift", shift);
    }
    n.put("guidance", guidance);
    n.put("max_skip", maxSkip);
    n.put("cfg", cfg);
    n.put("compute", compute);
    n.put("metric", OutputError.METRIC);
    n.putObject("reuse").put("rule", reuse);
    if (seeds != null) {
      n.putArray("seeds").addAll(seeds.stream().map(JsonNodeFactory.instance::numberNode).toList());
    }
    return n;
  }

  /**
   * Numbers equal by value: a seed written from a long reads back as an int, 4.0 may read back as 4.
   * Other nodes compare as Jackson's equals does.
   */
  private static final java.util.Comparator<JsonNode> SAME_NUMBER =
      (a, b) -> a.isNumber() && b.isNumber() ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

  /**
   * The first key on which a saved setup differs from this one, or null when they agree. The CFG
   * layout is left out: batched, separate or parallel branches give the same errors up to float
   * rounding, so a run may continue with another. A sampler recorded by name only (files written
   * before samplers described their settings) agrees with any sampler of that name.
   */
  String firstDifference(JsonNode saved) {
    ObjectNode mine = toJson();
    for (var it = mine.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (key.equals("cfg")) {
        continue;
      }
      if (key.equals("sampler") && saved.path(key).isTextual() && SamplerNames.matches(saved.get(key).asText(), sampler)) {
        continue;
      }
      if (key.equals("reuse")) {
        // Files from before reuse rules measured plain reuse; the magnitudes are data, not setup.
        String rule = saved.path("reuse").path("rule").asText("plain");
        if (!rule.equals(reuse)) {
          return key;
        }
        continue;
      }
      JsonNode theirs = saved.get(key);
      if (theirs == null || !mine.get(key).equals(SAME_NUMBER, theirs)) {
        return key;
      }
    }
    return null;
  }
}
