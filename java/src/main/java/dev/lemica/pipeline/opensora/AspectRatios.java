package dev.lemica.pipeline.opensora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Open-Sora's named video sizes ({@code opensora/datasets/aspect.py} at v1.2.0, bundled as data):
 * {@code get_image_size(resolution, aspect_ratio)} (e.g. 240p at "9:16", which Open-Sora spells
 * height:width, is 240 × 426 pixels) and {@code get_num_frames} ("2s" is 51 frames).
 */
final class AspectRatios {
  private static final JsonNode TABLES = load();

  private AspectRatios() {}

  private static JsonNode load() {
    String resource = "aspect-ratios.json";
    try (InputStream in = AspectRatios.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is missing from the build");
      }
      return StrictJson.parse(in.readAllBytes(), "built-in " + resource);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** (height, width) in pixels; the message names what is known when either name is not. */
  static int[] imageSize(String resolution, String aspectRatio, String source) {
    JsonNode key = TABLES.path("aspect_ratio_map").get(aspectRatio);
    if (key == null) {
      throw new IllegalArgumentException(
          source + ": aspect_ratio '" + aspectRatio + "' is not one of Open-Sora's (height:width): " + names(TABLES.path("aspect_ratio_map")));
    }
    JsonNode sizes = TABLES.path("resolutions").get(resolution);
    if (sizes == null) {
      throw new IllegalArgumentException(
          source + ": resolution '" + resolution + "' is not one of Open-Sora's: " + names(TABLES.path("resolutions")));
    }
    JsonNode hw = sizes.get(key.asText());
    if (hw == null) {
      throw new IllegalArgumentException(source + ": aspect_ratio '" + aspectRatio + "' has no size at resolution '" + resolution + "'");
    }
    return new int[] {hw.get(0).asInt(), hw.get(1).asInt()};
  }

  /** get_num_frames: a name of NUM_FRAMES_MAP ("1x", "2s", ...) or a count; null when neither. */
  static Integer numFrames(String name) {
    JsonNode n = TABLES.path("num_frames_map").get(name);
    if (n != null) {
      return n.asInt();
    }
    try {
      return Integer.parseInt(name.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String frameNames() {
    return names(TABLES.path("num_frames_map"));
  }

  private static String names(JsonNode table) {
    List<String> out = new ArrayList<>();
    table.fieldNames().forEachRemaining(out::add);
    return String.join(", ", out);
  }
}
