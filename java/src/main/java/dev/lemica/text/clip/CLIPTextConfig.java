package dev.lemica.text.clip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.text.TextEncoderPresets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * transformers' {@code CLIPTextConfig}: a {@code clip_text_model} config.json (FLUX.1's
 * {@code text_encoder/}). Keys that
 * transformers gives defaults ({@code hidden_act}, {@code layer_norm_eps}, {@code eos_token_id},
 * {@code projection_dim}) take the same defaults here.
 *
 * @param architecture {@code CLIPTextModel} or {@code CLIPTextModelWithProjection}
 * @param eosTokenId as the config says; see {@link CLIPTextEncoder#pooledIndex} for why it is not
 *     trusted blindly
 */
public record CLIPTextConfig(
    String architecture,
    int vocabSize,
    int hidden,
    int intermediate,
    int heads,
    int layers,
    int maxPositions,
    double layerNormEps,
    String hiddenAct,
    long eosTokenId,
    int projectionDim,
    Path file) {

  public static final String TEXT_MODEL = "CLIPTextModel";
  public static final String WITH_PROJECTION = "CLIPTextModelWithProjection";
  static final List<String> CLASSES = List.of(TEXT_MODEL, WITH_PROJECTION);
  private static final List<String> ACTIVATIONS = List.of("quick_gelu", "gelu");
  private static final List<String> PRESETS = List.of("clip-vit-large-patch14");

  public CLIPTextConfig {
    if (!CLASSES.contains(architecture)) {
      throw new IllegalArgumentException(file + ": class '" + architecture + "' is not a CLIP text encoder class (" + String.join(", ", CLASSES) + ")");
    }
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(file + ": \"hidden_size\" " + hidden + " is not a multiple of \"num_attention_heads\" " + heads);
    }
  }

  public int headDim() {
    return hidden / heads;
  }

  /** Whether {@code text_projection} is part of the model ({@code CLIPTextModelWithProjection}). */
  public boolean withProjection() {
    return architecture.equals(WITH_PROJECTION);
  }

  public static CLIPTextConfig read(Path file) {
    return from(ModelConfig.read(file));
  }

  /** A bundled config: {@code clip-vit-large-patch14} (FLUX.1-dev's text_encoder, openai/clip-vit-large-patch14's text tower). */
  public static CLIPTextConfig preset(String name) {
    return from(TextEncoderPresets.read(name, PRESETS, "CLIP text encoder"));
  }

  /** The same config built as transformers' class {@code className} (a pipeline's model_index.json names it). */
  public CLIPTextConfig asClass(String className) {
    return new CLIPTextConfig(
        className, vocabSize, hidden, intermediate, heads, layers, maxPositions, layerNormEps, hiddenAct, eosTokenId, projectionDim, file);
  }

  /** The same architecture with another layer count: for quick checks of a large preset. */
  public CLIPTextConfig withLayers(int newLayers) {
    return new CLIPTextConfig(
        architecture, vocabSize, hidden, intermediate, heads, newLayers, maxPositions, layerNormEps, hiddenAct, eosTokenId, projectionDim, file);
  }

  public static CLIPTextConfig from(ModelConfig c) {
    String modelType = c.requireString("model_type").toLowerCase(Locale.ROOT);
    if (!modelType.equals("clip_text_model")) {
      throw c.fault("model_type", "is '" + modelType + "'; supported: clip_text_model");
    }
    String architecture = TEXT_MODEL;
    JsonNode architectures = c.optional("architectures").orElse(null);
    if (architectures != null) {
      if (!architectures.isArray() || architectures.isEmpty() || !architectures.get(0).isTextual()) {
        throw c.fault("architectures", "must be a non-empty array of class names");
      }
      // transformers builds what the caller's class says; the file's own class only picks the default.
      architecture = CLASSES.contains(architectures.get(0).asText()) ? architectures.get(0).asText() : TEXT_MODEL;
    }
    String act = optionalString(c, "hidden_act", "quick_gelu");
    if (!ACTIVATIONS.contains(act)) {
      throw c.fault("hidden_act", "is '" + act + "'; supported: " + String.join(", ", ACTIVATIONS));
    }
    double eps = c.optional("layer_norm_eps").isPresent() ? c.requireDouble("layer_norm_eps") : 1e-5;
    if (!(eps > 0)) {
      throw c.fault("layer_norm_eps", "must be positive, got " + eps);
    }
    long eos = c.optional("eos_token_id").isPresent() ? c.requireInt("eos_token_id") : 49407;
    int projection = c.optional("projection_dim").isPresent() ? c.requirePositiveInt("projection_dim") : 512;
    return new CLIPTextConfig(
        architecture,
        c.requirePositiveInt("vocab_size"),
        c.requirePositiveInt("hidden_size"),
        c.requirePositiveInt("intermediate_size"),
        c.requirePositiveInt("num_attention_heads"),
        c.requirePositiveInt("num_hidden_layers"),
        c.requirePositiveInt("max_position_embeddings"),
        eps,
        act,
        eos,
        projection,
        c.file());
  }

  private static String optionalString(ModelConfig c, String key, String fallback) {
    return c.optional(key).isPresent() ? c.requireString(key) : fallback;
  }
}
