package dev.lemica.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.text.clip.CLIPTextConfig;
import dev.lemica.text.clip.CLIPTextEncoder;
import dev.lemica.text.qwen.QwenTextConfig;
import dev.lemica.text.qwen.QwenTextEncoder;
import dev.lemica.text.t5.T5Config;
import dev.lemica.text.t5.T5Encoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a transformers text encoder folder by the class that implements it: {@code
 * architectures[0]} of its config.json, or the class a pipeline's model_index.json names (e.g.
 * {@code "text_encoder": ["transformers", "UMT5EncoderModel"]}): T5 / mT5 / UMT5 encoders, CLIP's text
 * model (FLUX.1) and Qwen2.5-VL's language model (Qwen-Image).
 */
public final class TextEncoders {
  @FunctionalInterface
  interface Loader {
    TextEncoderModel load(ModelConfig config, String className, Path folder, ComputeTarget target);
  }

  private static final Loader T5 = (config, cls, folder, target) -> T5Encoder.load(T5Config.from(config).asClass(cls), folder, target);
  private static final Loader CLIP =
      (config, cls, folder, target) -> CLIPTextEncoder.load(CLIPTextConfig.from(config).asClass(cls), folder, target);
  private static final Loader QWEN =
      (config, cls, folder, target) -> QwenTextEncoder.load(QwenTextConfig.from(config).asClass(cls), folder, target);
  private static final Map<String, Loader> LOADERS = new TreeMap<>(Map.of(
      "T5EncoderModel", T5,
      "UMT5EncoderModel", T5,
      "MT5EncoderModel", T5,
      CLIPTextConfig.TEXT_MODEL, CLIP,
      CLIPTextConfig.WITH_PROJECTION, CLIP,
      QwenTextConfig.CONDITIONAL_GENERATION, QWEN));

  private TextEncoders() {}

  public static java.util.Set<String> supported() {
    return LOADERS.keySet();
  }

  /**
   * The text encoder folder of {@code dir}: {@code dir} itself when it holds config.json, else its
   * {@code text_encoder/} (a pipeline folder).
   */
  public static Path folder(Path dir) {
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      return dir;
    }
    if (Files.isRegularFile(dir.resolve("text_encoder").resolve("config.json"))) {
      return dir.resolve("text_encoder");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": no such model folder");
    }
    throw new IllegalArgumentException(dir + ": not a text encoder folder (no config.json, nor text_encoder/config.json)");
  }

  /**
   * Loads {@code dir} (a text encoder folder, or a pipeline folder whose {@code text_encoder/} is
   * loaded with the class its model_index.json names).
   */
  public static TextEncoderModel load(Path dir, ComputeTarget target) {
    Path folder = folder(dir);
    String fromIndex = folder.equals(dir) ? null : indexClass(dir.resolve("model_index.json"));
    ModelConfig config = ModelConfig.read(folder.resolve("config.json"));
    return load(config, fromIndex != null ? fromIndex : architecture(config), folder, target);
  }

  /** Loads the text encoder folder {@code folder} as transformers' class {@code className}. */
  public static TextEncoderModel load(Path folder, String className, ComputeTarget target) {
    return load(ModelConfig.read(folder.resolve("config.json")), className, folder, target);
  }

  private static TextEncoderModel load(ModelConfig config, String className, Path folder, ComputeTarget target) {
    Loader loader = LOADERS.get(className);
    if (loader == null) {
      throw new IllegalArgumentException(
          config.file() + ": text encoder class '" + className + "' is not supported (supported: "
              + String.join(", ", LOADERS.keySet()) + ")");
    }
    return loader.load(config, className, folder, target);
  }

  private static String architecture(ModelConfig config) {
    JsonNode a = config.optional("architectures").orElseThrow(() -> config.fault("architectures", "is missing: it names the text encoder class"));
    if (!a.isArray() || a.isEmpty() || !a.get(0).isTextual()) {
      throw config.fault("architectures", "must be a non-empty array of class names");
    }
    return a.get(0).asText();
  }

  /** The class of model_index.json's "text_encoder" entry, or null without that file or entry. */
  private static String indexClass(Path index) {
    if (!Files.isRegularFile(index)) {
      return null;
    }
    JsonNode entry = StrictJson.readObject(index).get("text_encoder");
    if (entry == null || entry.isNull()) {
      return null;
    }
    if (!entry.isArray() || entry.size() != 2 || !entry.get(1).isTextual()) {
      throw new IllegalArgumentException(index + ": \"text_encoder\" must be [library, class name], got " + StrictJson.describe(entry));
    }
    return entry.get(1).asText();
  }
}
