package dev.lemica.model.cogvideox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.nn.Activation;

/**
 * The {@code CogVideoXTransformer3DModel} config keys this port uses, validated: CogVideoX 1.5
 * (temporal patches {@code patch_size_t}, rotary positions). Keys a 1.5 text-to-video model does not
 * read ({@code patch_bias}: its patch embedding is a Linear with a bias whatever the key says;
 * {@code max_text_seq_length}, the interpolation scales and {@code temporal_compression_ratio}, which
 * only size the sin-cos positions of CogVideoX 1.0) are not held.
 */
public record CogVideoXConfig(
    int heads,
    int headDim,
    int inChannels,
    int outChannels,
    boolean flipSinToCos,
    double freqShift,
    int timeEmbedDim,
    int textEmbedDim,
    int layers,
    boolean attentionBias,
    int sampleWidth,
    int sampleHeight,
    int patchSize,
    int patchSizeT,
    Activation activation,
    Activation timestepActivation,
    boolean normElementwiseAffine,
    double normEps) {

  public static final String CLASS_NAME = "CogVideoXTransformer3DModel";

  public int dim() {
    return heads * headDim;
  }

  /** Input features of one patch: channels × p_t × p × p. */
  public int patchFeatures() {
    return inChannels * patchSizeT * patchSize * patchSize;
  }

  /** The largest patch grid the rotary table covers: (sample_height / p, sample_width / p). */
  public int maxGridRows() {
    return sampleHeight / patchSize;
  }

  public int maxGridColumns() {
    return sampleWidth / patchSize;
  }

  public static CogVideoXConfig from(ModelConfig c) {
    if (c.optional("patch_size_t").isEmpty()) {
      throw c.fault("patch_size_t", "is null: CogVideoX 1.0 models (2B, 5B) are not supported yet, only CogVideoX 1.5 (patch_size_t 2)");
    }
    if (!c.optional("use_rotary_positional_embeddings").map(JsonNode::asBoolean).orElse(false)) {
      throw c.fault("use_rotary_positional_embeddings", "is false: only rotary CogVideoX 1.5 models are supported");
    }
    if (c.optional("use_learned_positional_embeddings").map(JsonNode::asBoolean).orElse(false)) {
      throw c.fault("use_learned_positional_embeddings", "is true: image-to-video CogVideoX models are not supported");
    }
    if (c.optional("ofs_embed_dim").isPresent()) {
      throw c.fault("ofs_embed_dim", "is set: CogVideoX1.5 image-to-video (ofs embedding) is not supported, text-to-video only");
    }
    int headDim = c.requirePositiveInt("attention_head_dim");
    if (headDim % 16 != 0) {
      // Axes t, h, w get hd/4, 3hd/8, 3hd/8 channels, each of whole cos/sin pairs.
      throw c.fault("attention_head_dim", "must be a multiple of 16 for CogVideoX's 3-axis rotary embedding, got " + headDim);
    }
    int in = c.requirePositiveInt("in_channels");
    int out = c.optional("out_channels").map(JsonNode::asInt).orElse(in);
    if (out <= 0) {
      throw c.fault("out_channels", "must be positive, got " + out);
    }
    int patch = c.requirePositiveInt("patch_size");
    int sampleWidth = c.requirePositiveInt("sample_width");
    int sampleHeight = c.requirePositiveInt("sample_height");
    if (sampleWidth < patch || sampleHeight < patch) {
      throw c.fault("sample_width", "and sample_height must be at least patch_size " + patch);
    }
    return new CogVideoXConfig(
        c.requirePositiveInt("num_attention_heads"),
        headDim,
        in,
        out,
        c.requireBoolean("flip_sin_to_cos"),
        c.requireDouble("freq_shift"),
        c.requirePositiveInt("time_embed_dim"),
        c.requirePositiveInt("text_embed_dim"),
        c.requirePositiveInt("num_layers"),
        c.requireBoolean("attention_bias"),
        sampleWidth,
        sampleHeight,
        patch,
        c.requirePositiveInt("patch_size_t"),
        activation(c, "activation_fn"),
        timestepActivation(c),
        c.requireBoolean("norm_elementwise_affine"),
        c.requireDouble("norm_eps"));
  }

  static Activation activation(ModelConfig c, String key) {
    String name = c.requireString(key);
    try {
      return Activation.ofDiffusersName(name);
    } catch (IllegalArgumentException e) {
      throw c.fault(key, e.getMessage());
    }
  }

  /** diffusers' {@code get_activation} names for the TimestepEmbedding MLP. */
  private static Activation timestepActivation(ModelConfig c) {
    String name = c.requireString("timestep_activation_fn");
    return switch (name) {
      case "silu", "swish" -> Activation.SILU;
      case "gelu" -> Activation.GELU;
      case "relu" -> Activation.RELU;
      default -> throw c.fault("timestep_activation_fn", "'" + name + "' is not supported (silu, swish, gelu, relu)");
    };
  }
}
