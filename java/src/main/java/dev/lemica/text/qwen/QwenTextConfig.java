package dev.lemica.text.qwen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.text.TextEncoderPresets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The language-model half of transformers' {@code Qwen2_5_VLConfig} (Qwen-Image's
 * {@code text_encoder/config.json}). The text settings are read from {@code text_config} when the
 * file has one (transformers ≥ 4.52 writes both, and builds from {@code text_config}), else from
 * the top level (the hub's Qwen2.5-VL files). RoPE settings come from {@code rope_parameters} (files
 * written by transformers v5) or {@code rope_theta} + {@code rope_scaling} (v4). Only what Qwen2.5-VL
 * uses is accepted: SiLU, default (m)RoPE, full attention in every layer.
 *
 * @param mropeSection how many of the head_dim/2 rotary frequencies take the temporal, height and
 *     width position (sums to head_dim/2)
 */
public record QwenTextConfig(
    String architecture,
    int vocabSize,
    int hidden,
    int intermediate,
    int layers,
    int heads,
    int kvHeads,
    double rmsNormEps,
    double ropeTheta,
    int[] mropeSection,
    Path file) {

  public static final String CONDITIONAL_GENERATION = "Qwen2_5_VLForConditionalGeneration";
  private static final List<String> PRESETS = List.of("qwen2.5-vl-7b-text");

  public QwenTextConfig {
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(file + ": \"hidden_size\" " + hidden + " is not a multiple of \"num_attention_heads\" " + heads);
    }
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          file + ": \"num_attention_heads\" " + heads + " is not a multiple of \"num_key_value_heads\" " + kvHeads);
    }
    if ((hidden / heads) % 2 != 0) {
      throw new IllegalArgumentException(file + ": head_dim " + hidden / heads + " (hidden_size / num_attention_heads) must be even for RoPE");
    }
    if (mropeSection.length != 3 || Arrays.stream(mropeSection).anyMatch(s -> s < 0) || Arrays.stream(mropeSection).sum() != hidden / heads / 2) {
      throw new IllegalArgumentException(
          file + ": \"mrope_section\" " + Arrays.toString(mropeSection) + " must be 3 non-negative counts summing to head_dim / 2 = " + hidden / heads / 2);
    }
  }

  public int headDim() {
    return hidden / heads;
  }

  public static QwenTextConfig read(Path file) {
    return from(ModelConfig.read(file));
  }

  /** A bundled config: {@code qwen2.5-vl-7b-text} (Qwen-Image's text_encoder, Qwen2.5-VL-7B-Instruct's language model). */
  public static QwenTextConfig preset(String name) {
    return from(TextEncoderPresets.read(name, PRESETS, "Qwen2.5-VL text encoder"));
  }

  /** The same architecture with another layer count: for quick checks of a large preset. */
  public QwenTextConfig withLayers(int newLayers) {
    return new QwenTextConfig(architecture, vocabSize, hidden, intermediate, newLayers, heads, kvHeads, rmsNormEps, ropeTheta, mropeSection, file);
  }

  /** The same config as transformers' class {@code className} (a pipeline's model_index.json names it). */
  public QwenTextConfig asClass(String className) {
    return new QwenTextConfig(className, vocabSize, hidden, intermediate, layers, heads, kvHeads, rmsNormEps, ropeTheta, mropeSection, file);
  }

  public static QwenTextConfig from(ModelConfig top) {
    String modelType = top.requireString("model_type");
    if (!modelType.equals("qwen2_5_vl") && !modelType.equals("qwen2_5_vl_text")) {
      throw top.fault("model_type", "is '" + modelType + "'; supported: qwen2_5_vl, qwen2_5_vl_text");
    }
    String architecture = CONDITIONAL_GENERATION;
    JsonNode architectures = top.optional("architectures").orElse(null);
    if (architectures != null) {
      if (!architectures.isArray() || architectures.isEmpty() || !architectures.get(0).isTextual()) {
        throw top.fault("architectures", "must be a non-empty array of class names");
      }
      architecture = architectures.get(0).asText();
    }
    ModelConfig c = top;
    JsonNode textConfig = top.optional("text_config").orElse(null);
    if (textConfig != null) {
      if (!textConfig.isObject()) {
        throw top.fault("text_config", "must be an object");
      }
      c = ModelConfig.parse(textConfig.toString().getBytes(StandardCharsets.UTF_8), Path.of(top.file() + " text_config"));
    }
    String act = c.optional("hidden_act").isPresent() ? c.requireString("hidden_act") : "silu";
    if (!act.equals("silu")) {
      throw c.fault("hidden_act", "is '" + act + "'; only 'silu' (Qwen2.5-VL) is supported");
    }
    if (c.optional("use_sliding_window").isPresent() && c.requireBoolean("use_sliding_window")) {
      throw c.fault("use_sliding_window", "is true; sliding-window attention is not supported (Qwen2.5-VL leaves it off)");
    }
    c.optional("layer_types").ifPresent(types -> {
      for (JsonNode t : types) {
        if (!t.asText().equals("full_attention")) {
          throw new IllegalArgumentException(top.file() + ": \"layer_types\" holds '" + t.asText() + "'; only 'full_attention' layers are supported");
        }
      }
    });
    double eps = c.optional("rms_norm_eps").isPresent() ? c.requireDouble("rms_norm_eps") : 1e-6;
    if (!(eps > 0)) {
      throw c.fault("rms_norm_eps", "must be positive, got " + eps);
    }
    int heads = c.requirePositiveInt("num_attention_heads");
    int kvHeads = c.optional("num_key_value_heads").isPresent() ? c.requirePositiveInt("num_key_value_heads") : heads;
    Rope rope = rope(c);
    return new QwenTextConfig(
        architecture,
        c.requirePositiveInt("vocab_size"),
        c.requirePositiveInt("hidden_size"),
        c.requirePositiveInt("intermediate_size"),
        c.requirePositiveInt("num_hidden_layers"),
        heads,
        kvHeads,
        eps,
        rope.theta,
        rope.section,
        c.file());
  }

  private record Rope(double theta, int[] section) {}

  /** v5 {@code rope_parameters}, else v4 {@code rope_theta} + {@code rope_scaling}. */
  private static Rope rope(ModelConfig c) {
    boolean v5 = c.optional("rope_parameters").isPresent();
    String key = v5 ? "rope_parameters" : "rope_scaling";
    JsonNode params = c.optional(key).orElseThrow(() -> c.fault("rope_scaling", "is missing: Qwen2.5-VL needs its mrope_section there"));
    if (!params.isObject()) {
      throw c.fault(key, "must be an object");
    }
    String type = params.path("rope_type").asText(params.path("type").asText("default"));
    if (!type.equals("default") && !type.equals("mrope")) {
      throw c.fault(key, "has rope_type '" + type + "'; only 'default' (or 'mrope') is supported");
    }
    JsonNode section = params.get("mrope_section");
    if (section == null || !section.isArray() || section.size() != 3) {
      throw c.fault(key, "needs \"mrope_section\": 3 integers (temporal, height, width)");
    }
    int[] s = new int[3];
    for (int i = 0; i < 3; i++) {
      if (!section.get(i).isIntegralNumber()) {
        throw c.fault(key, "\"mrope_section\" must hold integers");
      }
      s[i] = section.get(i).asInt();
    }
    double theta;
    if (v5 && params.has("rope_theta")) {
      if (!params.get("rope_theta").isNumber()) {
        throw c.fault(key, "\"rope_theta\" is not a number");
      }
      theta = params.get("rope_theta").asDouble();
    } else {
      theta = c.optional("rope_theta").isPresent() ? c.requireDouble("rope_theta") : 1000000.0;
    }
    if (!(theta > 0)) {
      throw c.fault("rope_theta", "must be positive, got " + theta);
    }
    return new Rope(theta, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QwenTextConfig q && q.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return "QwenTextConfig[" + architecture + ", vocab " + vocabSize + ", hidden " + hidden + ", intermediate " + intermediate
        + ", layers " + layers + ", heads " + heads + "/" + kvHeads + ", eps " + rmsNormEps + ", theta " + ropeTheta
        + ", mrope " + Arrays.toString(mropeSection) + ", " + file + "]";
  }
}
