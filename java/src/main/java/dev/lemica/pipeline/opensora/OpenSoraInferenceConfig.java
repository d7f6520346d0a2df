package dev.lemica.pipeline.opensora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.io.Warnings;
import dev.lemica.model.ModelConfig;
import dev.lemica.sampling.SchedulerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * An Open-Sora 1.2 folder's {@code inference.json}: the settings of {@code scripts/inference.py}
 * under the names of its config ({@code configs/opensora-v1-2/inference/sample.py}), as that script
 * sees them after merging. Keys the file leaves out take sample.py's values (bundled); a folder
 * without the file runs with sample.py as it is. The hub names in {@code model.from_pretrained},
 * {@code vae.from_pretrained} and {@code text_encoder.from_pretrained} map to sub-folders through
 * {@code components} (default: {@code transformer/}, {@code vae/}, and {@code .} for the T5 repo,
 * i.e. {@code text_encoder/} and {@code tokenizer/}).
 *
 * <p>Read and used: image_size (else resolution + aspect_ratio), num_frames, fps (the model's fps
 * conditioning), save_fps (the video's frame rate; default fps / frame_interval), aes, flow,
 * camera_motion (appended to the prompts), text_encoder.model_max_length, model.qk_norm,
 * vae.micro_frame_size, scheduler (RFLOW's arguments), multi_resolution (must be STDiT2).
 * Checked but not applied: dtype (the run's compute dtype is the caller's; T5 runs in float32 as
 * Open-Sora runs it), enable_flash_attn / enable_layernorm_kernel (the same math), batch_size (all
 * prompts run as one batch; rows are independent), seed (the noise is the caller's).
 */
public final class OpenSoraInferenceConfig {
  public static final String FILE = "inference.json";

  /** The keys of sample.py and scripts/inference.py: those this port reads, and those it accepts without a use (seeds, paths, batching, references). */
  private static final Set<String> KNOWN =
      Set.of("save_dir", "seed", "batch_size", "condition_frame_length", "align", "frame_interval", "dtype", "num_sample", "loop",
          "prompt", "prompt_path", "start_index", "end_index", "sample_name", "prompt_as_path", "verbose", "watermark",
          "condition_frame_edit", "reference_path", "mask_strategy", "llm_refine", "prompt_generator", "components",
          "resolution", "aspect_ratio", "image_size", "num_frames", "fps", "save_fps", "aes", "flow", "camera_motion",
          "multi_resolution", "model", "vae", "text_encoder", "scheduler");

  private final String source;
  private final int height;
  private final int width;
  private final int frames;
  private final double fps;
  private final int saveFps;
  private final Double aes;
  private final Double flow;
  private final String cameraMotion;
  private final int textMaxLength;
  private final boolean qkNorm;
  private final int microFrameSize;
  private final ObjectNode scheduler;
  private final String dtype;
  private final Path transformerFolder;
  private final Path vaeFolder;
  private final Path textFolder;

  private OpenSoraInferenceConfig(Path folder, String source, ObjectNode root) {
    this.source = source;
    ModelConfig c = ModelConfig.parse(root.toString().getBytes(StandardCharsets.UTF_8), Path.of(source));
    root.fieldNames().forEachRemaining(k -> {
      if (!k.startsWith("_") && !KNOWN.contains(k)) {
        Warnings.warn(source + ": \"" + k + "\" is not an Open-Sora 1.2 inference setting this pipeline knows; ignored");
      }
    });
    for (String feature : new String[] {"reference_path", "mask_strategy", "prompt", "prompt_path"}) {
      if (c.optional(feature).isPresent()) {
        Warnings.warn(source + ": \"" + feature + "\" is not used (prompts come from the caller; no reference frames)");
      }
    }
    if (c.optional("loop").isPresent() && c.requirePositiveInt("loop") != 1) {
      throw c.fault("loop", "must be 1: looped (extended) generation is not supported");
    }
    if (c.optional("llm_refine").isPresent() && c.requireBoolean("llm_refine")) {
      throw c.fault("llm_refine", "is true: prompt refinement through the OpenAI API is not supported");
    }
    String multi = c.requireString("multi_resolution");
    if (!multi.equals("STDiT2") && !multi.equals("OpenSora")) {
      throw c.fault("multi_resolution", "is '" + multi + "': STDiT3 takes the STDiT2 model arguments (height, width, fps)");
    }
    dtype = c.requireString("dtype");
    if (!Set.of("fp32", "bf16", "fp16").contains(dtype)) {
      throw c.fault("dtype", "is '" + dtype + "': one of fp32, bf16, fp16");
    }
    if (c.optional("batch_size").isPresent()) {
      c.requirePositiveInt("batch_size");
    }
    if (c.optional("seed").isPresent()) {
      c.requireInt("seed");
    }
    int[] hw = imageSize(c);
    height = hw[0];
    width = hw[1];
    frames = numFrames(c);
    fps = positiveNumber(c, "fps");
    int interval = c.optional("frame_interval").isPresent() ? c.requirePositiveInt("frame_interval") : 1;
    saveFps = c.optional("save_fps").isPresent() ? c.requirePositiveInt("save_fps") : Math.max(1, (int) Math.floor(fps / interval));
    aes = optionalNumber(c, "aes");
    flow = optionalNumber(c, "flow");
    cameraMotion = c.optional("camera_motion").isPresent() ? c.requireString("camera_motion") : null;

    ModelConfig text = section(c, "text_encoder");
    expectType(text, "t5");
    textMaxLength = text.requirePositiveInt("model_max_length");
    ModelConfig model = section(c, "model");
    String modelType = model.requireString("type");
    if (!modelType.startsWith("STDiT3")) {
      throw model.fault("type", "is '" + modelType + "': this pipeline runs STDiT3 (Open-Sora 1.2: STDiT3-XL/2, STDiT3-3B/2)");
    }
    qkNorm = !model.optional("qk_norm").isPresent() || model.requireBoolean("qk_norm");
    for (String kernel : new String[] {"enable_flash_attn", "enable_layernorm_kernel"}) {
      if (model.optional(kernel).isPresent()) {
        model.requireBoolean(kernel);
      }
    }
    ModelConfig vae = section(c, "vae");
    expectType(vae, "OpenSoraVAE_V1_2");
    microFrameSize = vae.requirePositiveInt("micro_frame_size");
    if (vae.optional("micro_batch_size").isPresent()) {
      vae.requirePositiveInt("micro_batch_size");
    }
    ModelConfig sched = section(c, "scheduler");
    expectType(sched, "rflow");
    scheduler = ((ObjectNode) sched.json()).deepCopy();
    scheduler.put("_class_name", "RFLOW");
    schedulerConfig(); // its _class_name, now
    if (sched.optional("num_sampling_steps").isEmpty() || sched.requirePositiveInt("num_sampling_steps") < 1) {
      throw sched.fault("num_sampling_steps", "must be a positive integer");
    }
    if (sched.optional("cfg_scale").isEmpty() || !Double.isFinite(sched.requireDouble("cfg_scale"))) {
      throw sched.fault("cfg_scale", "must be a number");
    }

    JsonNode components = c.optional("components").orElse(null);
    if (components != null && !components.isObject()) {
      throw c.fault("components", "must map hub names to sub-folders");
    }
    transformerFolder = component(folder, c, components, model, "transformer");
    vaeFolder = component(folder, c, components, vae, "vae");
    textFolder = component(folder, c, components, text, ".");
  }

  /** The folder's inference.json over sample.py's values; sample.py's alone when the folder has none. */
  public static OpenSoraInferenceConfig read(Path folder) {
    Path file = folder.resolve(FILE);
    ObjectNode merged = defaults();
    String source = "built-in sample.py (Open-Sora v1.2.0) for " + folder;
    if (Files.isRegularFile(file)) {
      JsonNode own = StrictJson.readObject(file);
      if (!own.isObject()) {
        throw new IllegalArgumentException(file + ": expected a JSON object (Open-Sora's inference settings)");
      }
      merge(merged, (ObjectNode) own);
      source = file.toString();
    }
    return new OpenSoraInferenceConfig(folder, source, merged);
  }

  private static ObjectNode defaults() {
    try (InputStream in = OpenSoraInferenceConfig.class.getResourceAsStream("sample.json")) {
      if (in == null) {
        throw new IllegalStateException("resource sample.json is missing from the build");
      }
      return (ObjectNode) StrictJson.parse(in.readAllBytes(), "built-in sample.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * mmengine's merge of a config over its base: objects key by key (model, vae, ...), everything
   * else replaced. An image_size given replaces resolution and aspect_ratio.
   */
  private static void merge(ObjectNode base, ObjectNode over) {
    for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode old = base.get(e.getKey());
      if (old != null && old.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) old, (ObjectNode) e.getValue());
      } else {
        base.set(e.getKey(), e.getValue());
      }
    }
  }

  private static int[] imageSize(ModelConfig c) {
    if (c.optional("image_size").isPresent()) {
      int[] hw = c.requireIntArray("image_size", 2);
      if (hw[0] <= 0 || hw[1] <= 0) {
        throw c.fault("image_size", "must be two positive pixel counts [height, width]");
      }
      return hw;
    }
    if (c.optional("resolution").isEmpty() || c.optional("aspect_ratio").isEmpty()) {
      throw new IllegalArgumentException(c.file() + ": give image_size, or resolution and aspect_ratio");
    }
    return AspectRatios.imageSize(c.requireString("resolution"), c.requireString("aspect_ratio"), c.file().toString());
  }

  private static int numFrames(ModelConfig c) {
    JsonNode n = c.optional("num_frames").orElseThrow(() -> new IllegalArgumentException(c.file() + ": missing key \"num_frames\""));
    Integer frames = n.isTextual() ? AspectRatios.numFrames(n.asText()) : n.isIntegralNumber() ? Integer.valueOf(n.asInt()) : null;
    if (frames == null || frames < 1) {
      throw c.fault("num_frames", "must be a positive frame count or one of " + AspectRatios.frameNames() + ", found " + StrictJson.describe(n));
    }
    return frames;
  }

  private static double positiveNumber(ModelConfig c, String key) {
    double v = c.requireDouble(key);
    if (!(v > 0) || !Double.isFinite(v)) {
      throw c.fault(key, "must be a positive number, got " + v);
    }
    return v;
  }

  private static Double optionalNumber(ModelConfig c, String key) {
    return c.optional(key).isPresent() ? c.requireDouble(key) : null;
  }

  private static ModelConfig section(ModelConfig c, String key) {
    JsonNode n = c.optional(key).orElse(null);
    if (n == null || !n.isObject()) {
      throw c.fault(key, "must be an object (sample.py's dict), found " + StrictJson.describe(n));
    }
    return ModelConfig.parse(n.toString().getBytes(StandardCharsets.UTF_8), Path.of(c.file() + " " + key));
  }

  private static void expectType(ModelConfig section, String type) {
    String t = section.requireString("type");
    if (!t.equals(type)) {
      throw section.fault("type", "is '" + t + "': only " + type + " is supported");
    }
  }

  private static Path component(Path folder, ModelConfig c, JsonNode components, ModelConfig section, String fallback) {
    String hub = section.requireString("from_pretrained");
    JsonNode mapped = components == null ? null : components.get(hub);
    if (mapped != null && !mapped.isTextual()) {
      throw c.fault("components", "maps '" + hub + "' to " + StrictJson.describe(mapped) + ", not a sub-folder name");
    }
    return folder.resolve(mapped != null ? mapped.asText() : fallback).normalize();
  }

  /** Where the settings came from (the file, or the built-in sample.py), for messages. */
  public String source() {
    return source;
  }

  /** image_size as (height, width) pixels. */
  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int frames() {
    return frames;
  }

  /** The fps the model is conditioned on. */
  public double fps() {
    return fps;
  }

  /** The frame rate the video is saved at. */
  public int saveFps() {
    return saveFps;
  }

  public Double aes() {
    return aes;
  }

  public Double flow() {
    return flow;
  }

  public String cameraMotion() {
    return cameraMotion;
  }

  /** text_encoder.model_max_length: the tokenizer's padded length, and the rows of the model's null caption. */
  public int textMaxLength() {
    return textMaxLength;
  }

  public boolean qkNorm() {
    return qkNorm;
  }

  public int microFrameSize() {
    return microFrameSize;
  }

  public String dtype() {
    return dtype;
  }

  /** RFLOW's arguments as a scheduler config ({@code _class_name} RFLOW): what {@link dev.lemica.sampling.Schedulers} builds it from. */
  public SchedulerConfig schedulerConfig() {
    return SchedulerConfig.parse(scheduler.toString().getBytes(StandardCharsets.UTF_8), source + " scheduler");
  }

  /** scheduler.use_timestep_transform (RFLOW's default: false). */
  public boolean timestepTransform() {
    JsonNode n = scheduler.get("use_timestep_transform");
    return n != null && n.asBoolean(false);
  }

  public int steps() {
    return scheduler.get("num_sampling_steps").asInt();
  }

  public double cfgScale() {
    return scheduler.get("cfg_scale").asDouble();
  }

  public Path transformerFolder() {
    return transformerFolder;
  }

  public Path vaeFolder() {
    return vaeFolder;
  }

  /** The T5 repository's folder: its text_encoder/ and tokenizer/ (or, as the hub repo has them, config and tokenizer at its root). */
  public Path textFolder() {
    return textFolder;
  }
}
