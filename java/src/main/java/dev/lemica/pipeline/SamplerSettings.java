package dev.lemica.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;

/**
 * A model folder's sampling defaults and output shape, from its {@code scheduler.json}: steps, shift,
 * guidance, and the (channels, frames, height, width) of a sample.
 */
public record SamplerSettings(int steps, double shift, double guidance, long[] sampleShape) {

  public static SamplerSettings read(Path file) {
    JsonNode root = StrictJson.readObject(file);
    String kind = root.path("kind").asText("");
    if (!kind.equals("flow-matching-euler")) {
      throw new IllegalArgumentException(file + ": \"kind\" is '" + kind + "'; only flow-matching-euler is supported");
    }
    JsonNode video = root.path("video");
    long[] shape = new long[4];
    String[] keys = {"channels", "frames", "height", "width"};
    for (int i = 0; i < 4; i++) {
      JsonNode v = video.get(keys[i]);
      if (v == null || !v.isInt() || v.asInt() <= 0) {
        throw new IllegalArgumentException(file + ": \"video." + keys[i] + "\" missing or not a positive integer");
      }
      shape[i] = v.asInt();
    }
    for (String key : new String[] {"steps", "shift", "guidance_scale"}) {
      if (!root.path(key).isNumber()) {
        throw new IllegalArgumentException(file + ": \"" + key + "\" missing or not a number");
      }
    }
    return new SamplerSettings(
        root.get("steps").asInt(), root.get("shift").asDouble(), root.get("guidance_scale").asDouble(), shape);
  }

  public SamplerSettings withOverrides(Integer steps, Double shift, Double guidance) {
    return new SamplerSettings(
        steps != null ? steps : this.steps,
        shift != null ? shift : this.shift,
        guidance != null ? guidance : this.guidance,
        sampleShape);
  }
}
