package dev.lemica.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.cache.ReuseRule;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The samples of several errors files, calibrated apart under one setup, as one calibration: how
 * prompts and seeds are added to a calibration later (another day, another machine) without
 * measuring the old ones again. Each sample's matrix is independent of the others, so pooling is
 * exact; only the setup must agree (model, sampler, steps, shift, guidance, max skip, compute,
 * size, metric and reuse rule; the CFG layout, which changes rounding only, may differ).
 *
 * @param setup the pooled setup: every file's prompts in order, each sample's seed where every file
 *     tells it, and a noise description naming each file's draw
 * @param errors every file's samples, in the order of the files
 * @param seconds the calibration seconds of all files together
 */
public record PooledErrors(CalibrationSetup setup, EdgeErrors errors, ReuseRule reuse, double seconds) {
  /** Setup keys that must be equal in every file. */
  private static final List<String> SAME = List.of("model", "sampler", "steps", "shift", "guidance", "max_skip", "compute", "metric", "video");

  private static final Pattern ONE_SEED = Pattern.compile("seed (-?\\d+)");

  /**
   * @throws IllegalArgumentException naming the file and the fault: unreadable, incomplete, or a
   *     setup that differs from the first file's
   */
  public static PooledErrors pool(List<Path> files) {
    if (files.size() < 2) {
      throw new IllegalArgumentException("pooling needs at least two errors files, got " + files.size());
    }
    JsonNode first = read(files.get(0));
    int steps = first.path("steps").asInt();
    int maxSkip = first.path("max_skip").asInt();
    List<String> prompts = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    boolean seedsKnown = true;
    List<String> noises = new ArrayList<>();
    List<String> cfgs = new ArrayList<>();
    List<EdgeErrors> parts = new ArrayList<>();
    double seconds = 0;
    ReuseRule reuse = ErrorsFile.savedReuse(files.get(0), steps);
    for (Path file : files) {
      JsonNode root = file == files.get(0) ? first : read(file);
      for (String key : SAME) {
        if (!first.path(key).equals(root.path(key))) {
          throw new IllegalArgumentException(
              file + ": was calibrated with a different " + key + " (" + root.path(key) + ") than " + files.get(0) + " (" + first.path(key) + ")");
        }
      }
      if (!reuseOf(first).equals(reuseOf(root))) {
        throw new IllegalArgumentException(file + ": was calibrated under another reuse rule than " + files.get(0) + " (its magnitudes included)");
      }
      JsonNode filePrompts = root.path("prompts");
      if (!filePrompts.isArray() || filePrompts.isEmpty()) {
        throw new IllegalArgumentException(file + ": has no \"prompts\" list");
      }
      EdgeErrors part = ErrorsFile.resume(file, setupOf(root, file));
      if (!part.complete()) {
        throw new IllegalArgumentException(file + ": is not complete (finish its calibration first: run the same calibrate command again)");
      }
      parts.add(part);
      filePrompts.forEach(p -> prompts.add(p.asText()));
      List<Long> fileSeeds = seedsOf(root, filePrompts.size());
      if (fileSeeds == null) {
        seedsKnown = false;
      } else {
        seeds.addAll(fileSeeds);
      }
      noises.add(root.path("noise").asText() + (filePrompts.size() > 1 && !root.has("seeds") ? " (" + filePrompts.size() + " samples drawn together)" : ""));
      cfgs.add(root.path("cfg").asText());
      seconds += root.path("calibration_seconds").asDouble(0);
    }
    EdgeErrors pooled = new EdgeErrors(steps, maxSkip, prompts.size());
    int offset = 0;
    for (EdgeErrors part : parts) {
      for (int p = 0; p < part.prompts(); p++) {
        for (int i = 0; i < steps; i++) {
          for (int j = 0; j < steps; j++) {
            if (pooled.isMeasuredEdge(i, j)) {
              pooled.set(offset + p, i, j, part.get(p, i, j));
            }
          }
        }
      }
      offset += part.prompts();
    }
    String cfg = cfgs.stream().distinct().count() == 1 ? cfgs.get(0) : String.join("+", cfgs.stream().distinct().toList());
    CalibrationSetup base = setupOf(first, files.get(0));
    CalibrationSetup setup = new CalibrationSetup(
        base.model(), prompts, "pooled: " + String.join("; ", noises), steps, base.shift(), base.guidance(), maxSkip, cfg,
        base.compute(), base.sampler(), base.video(), base.reuse(), seedsKnown ? seeds : null);
    return new PooledErrors(setup, pooled, reuse, seconds);
  }

  /** Writes the pool as one errors file, which {@code solve} and {@code evaluate} read as any other. */
  public void write(Path out) {
    ErrorsFile.write(out, setup, errors, seconds, dev.lemica.solver.EdgeWeight.MEAN, reuse);
  }

  private static JsonNode read(Path file) {
    JsonNode root = StrictJson.readObject(file);
    if (!"lemica-errors/1".equals(root.path("format").asText())) {
      throw new IllegalArgumentException(file + ": not a lemica-errors/1 file (written by lemica calibrate)");
    }
    return root;
  }

  private static JsonNode reuseOf(JsonNode root) {
    JsonNode reuse = root.get("reuse");
    return reuse == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("rule", "plain") : reuse;
  }

  /**
   * Each sample's noise seed: the file's {@code seeds}, or for a one-sample file drawn from
   * {@code --seed N} that N (one sample drawn from a seed is that seed's draw); null when unknown
   * (samples drawn together from one seed, or a noise file).
   */
  private static List<Long> seedsOf(JsonNode root, int samples) {
    JsonNode s = root.get("seeds");
    if (s != null && s.isArray() && s.size() == samples) {
      List<Long> out = new ArrayList<>();
      s.forEach(v -> out.add(v.asLong()));
      return out;
    }
    Matcher m = ONE_SEED.matcher(root.path("noise").asText());
    return samples == 1 && m.matches() ? List.of(Long.parseLong(m.group(1))) : null;
  }

  /** The setup a file records, so that {@link ErrorsFile#resume} reads its samples. */
  private static CalibrationSetup setupOf(JsonNode root, Path file) {
    List<String> prompts = new ArrayList<>();
    root.path("prompts").forEach(p -> prompts.add(p.asText()));
    List<Long> seeds = null;
    if (root.path("seeds").isArray()) {
      seeds = new ArrayList<>();
      for (JsonNode v : root.get("seeds")) {
        seeds.add(v.asLong());
      }
    }
    JsonNode shift = root.path("shift");
    try {
      return new CalibrationSetup(
          root.path("model").asText(), prompts, root.path("noise").asText(), root.path("steps").asInt(),
          shift.isNumber() ? shift.asDouble() : Double.NaN, root.path("guidance").asDouble(), root.path("max_skip").asInt(),
          root.path("cfg").asText(), root.path("compute").asText(), root.path("sampler").asText(),
          root.path("video").isTextual() ? root.get("video").asText() : null, reuseOf(root).path("rule").asText("plain"), seeds);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
  }
}
