package dev.lemica.text.t5;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.text.TextEncoderPresets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The encoder half of a transformers {@code T5Config} / {@code UMT5Config} (a text encoder's
 * {@code config.json}). Only what T5 v1.1 and UMT5 checkpoints use is accepted: gated-gelu
 * feed-forward ({@code gelu_new}, the tanh approximation) and bidirectional relative-position
 * buckets; anything else is refused with the file and key.
 *
 * @param modelType "t5" (T5 v1.1, mT5: block 0's relative-attention bias is shared by every block)
 *     or "umt5" (every block has its own)
 * @param architecture {@code architectures[0]}, or the class the model type implies when absent
 */
public record T5Config(
    String modelType,
    String architecture,
    int vocabSize,
    int dModel,
    int dKv,
    int dFf,
    int heads,
    int layers,
    int relativeBuckets,
    int relativeMaxDistance,
    double layerNormEpsilon,
    Path file) {

  public static final String T5_ENCODER = "T5EncoderModel";
  public static final String UMT5_ENCODER = "UMT5EncoderModel";
  private static final List<String> PRESETS = List.of("umt5-xxl", "t5-v1_1-xxl");

  public T5Config {
    if (!modelType.equals("t5") && !modelType.equals("umt5")) {
      throw new IllegalArgumentException(file + ": model type '" + modelType + "' is not t5 or umt5");
    }
  }

  /** Whether every block has its own relative-attention bias (UMT5) rather than block 0's shared. */
  public boolean biasPerLayer() {
    return modelType.equals("umt5");
  }

  public int innerDim() {
    return heads * dKv;
  }

  public static T5Config read(Path file) {
    return from(ModelConfig.read(file));
  }

  /** A bundled config: {@code umt5-xxl} (Wan2.1's text encoder), {@code t5-v1_1-xxl} (FLUX.1's, CogVideoX's). */
  public static T5Config preset(String name) {
    return from(TextEncoderPresets.read(name, PRESETS, "text encoder"));
  }

  /**
   * The encoder transformers' class {@code className} builds from this config (diffusers loads a
   * pipeline's text encoder with the class model_index.json names): UMT5 classes give every block a
   * bias, T5 and mT5 classes share block 0's.
   */
  public T5Config asClass(String className) {
    String family = familyOf(className).orElseThrow(() -> new IllegalArgumentException(
        file + ": class '" + className + "' is not a T5 or UMT5 encoder class"));
    return new T5Config(
        family, className, vocabSize, dModel, dKv, dFf, heads, layers, relativeBuckets, relativeMaxDistance,
        layerNormEpsilon, file);
  }

  /** "umt5" or "t5" for the transformers classes of those families, empty for others. */
  public static java.util.Optional<String> familyOf(String className) {
    switch (className) {
      case "UMT5EncoderModel":
      case "UMT5Model":
      case "UMT5ForConditionalGeneration":
        return java.util.Optional.of("umt5");
      case "T5EncoderModel":
      case "T5Model":
      case "T5ForConditionalGeneration":
      case "MT5EncoderModel":
      case "MT5Model":
      case "MT5ForConditionalGeneration":
        return java.util.Optional.of("t5");
      default:
        return java.util.Optional.empty();
    }
  }

  /** The same architecture with another block count: for quick checks of a large preset. */
  public T5Config withLayers(int newLayers) {
    return new T5Config(
        modelType, architecture, vocabSize, dModel, dKv, dFf, heads, newLayers, relativeBuckets,
        relativeMaxDistance, layerNormEpsilon, file);
  }

  public static T5Config from(ModelConfig c) {
    String modelType = c.requireString("model_type").toLowerCase(Locale.ROOT);
    String family;
    switch (modelType) {
      case "t5":
      case "mt5":
        family = "t5";
        break;
      case "umt5":
        family = "umt5";
        break;
      default:
        throw c.fault("model_type", "is '" + modelType + "'; supported: t5, mt5, umt5");
    }
    String architecture = family.equals("umt5") ? UMT5_ENCODER : T5_ENCODER;
    JsonNode architectures = c.optional("architectures").orElse(null);
    if (architectures != null) {
      if (!architectures.isArray() || architectures.isEmpty() || !architectures.get(0).isTextual()) {
        throw c.fault("architectures", "must be a non-empty array of class names");
      }
      architecture = architectures.get(0).asText();
      // transformers builds what the class says, whatever model_type says.
      family = familyOf(architecture).orElse(family);
    }
    String ffn = c.requireString("feed_forward_proj");
    if (!ffn.equals("gated-gelu")) {
      throw c.fault("feed_forward_proj", "is '" + ffn + "'; only 'gated-gelu' (T5 v1.1, mT5, UMT5) is supported");
    }
    c.optional("is_gated_act").ifPresent(v -> {
      if (!v.isBoolean() || !v.asBoolean()) {
        throw c.fault("is_gated_act", "must be true with feed_forward_proj 'gated-gelu'");
      }
    });
    c.optional("dense_act_fn").ifPresent(v -> {
      if (!v.isTextual() || !v.asText().equals("gelu_new")) {
        throw c.fault("dense_act_fn", "is " + v + "; only 'gelu_new' (what 'gated-gelu' implies) is supported");
      }
    });
    c.optional("is_decoder").ifPresent(v -> {
      if (!v.isBoolean() || v.asBoolean()) {
        throw c.fault("is_decoder", "must be false: this is an encoder");
      }
    });
    int buckets = c.requirePositiveInt("relative_attention_num_buckets");
    if (buckets < 4 || buckets % 2 != 0) {
      throw c.fault("relative_attention_num_buckets", "must be an even number of at least 4, got " + buckets);
    }
    int maxDistance = c.requirePositiveInt("relative_attention_max_distance");
    if (maxDistance <= buckets / 4) {
      throw c.fault("relative_attention_max_distance", "must exceed relative_attention_num_buckets / 4, got " + maxDistance);
    }
    double eps = c.requireDouble("layer_norm_epsilon");
    if (!(eps > 0)) {
      throw c.fault("layer_norm_epsilon", "must be positive, got " + eps);
    }
    return new T5Config(
        family,
        architecture,
        c.requirePositiveInt("vocab_size"),
        c.requirePositiveInt("d_model"),
        c.requirePositiveInt("d_kv"),
        c.requirePositiveInt("d_ff"),
        c.requirePositiveInt("num_heads"),
        c.requirePositiveInt("num_layers"),
        buckets,
        maxDistance,
        eps,
        c.file());
  }
}
