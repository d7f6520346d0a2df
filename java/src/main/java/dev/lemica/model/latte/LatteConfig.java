package dev.lemica.model.latte;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.nn.Activation;

/**
 * The {@code LatteTransformer3DModel} config keys this port uses, validated. Latte's forward always
 * conditions through adaLN-single, so {@code norm_type} must be {@code ada_norm_single} (every Latte
 * release); {@code num_embeds_ada_norm} is not read by that norm.
 *
 * @param crossAttentionDim the spatial blocks' cross-attention width, 0 for none (then they have no
 *     {@code attn2}); the caption projection feeds it, so it must equal the inner dimension
 */
public record LatteConfig(
    int heads,
    int headDim,
    int inChannels,
    int outChannels,
    int layers,
    int crossAttentionDim,
    boolean attentionBias,
    int sampleSize,
    int patchSize,
    Activation activation,
    boolean normElementwiseAffine,
    double normEps,
    int captionChannels,
    int videoLength) {

  public static final String CLASS_NAME = "LatteTransformer3DModel";

  public int dim() {
    return heads * headDim;
  }

  /** The patch grid the stored sin-cos table was made for, and the base of rescaled ones. */
  public int baseGrid() {
    return sampleSize / patchSize;
  }

  /** PatchEmbed's interpolation_scale: max(sample_size // 64, 1). */
  public int interpolationScale() {
    return Math.max(sampleSize / 64, 1);
  }

  public static LatteConfig from(ModelConfig c) {
    String norm = c.optional("norm_type").map(JsonNode::asText).orElse("layer_norm");
    if (!norm.equals("ada_norm_single")) {
      throw c.fault("norm_type", "is '" + norm + "'; LatteTransformer3DModel conditions through ada_norm_single only");
    }
    int heads = c.requirePositiveInt("num_attention_heads");
    int headDim = c.requirePositiveInt("attention_head_dim");
    int dim = heads * headDim;
    if (dim % 4 != 0) {
      throw c.fault("attention_head_dim", "times num_attention_heads must be a multiple of 4 for the 2D sin-cos positions, got " + dim);
    }
    int cross = c.optional("cross_attention_dim").map(JsonNode::asInt).orElse(0);
    if (cross != 0 && cross != dim) {
      throw c.fault("cross_attention_dim", "is " + cross + " but the caption projection makes " + dim + "-wide text (num_attention_heads x attention_head_dim)");
    }
    int in = c.requirePositiveInt("in_channels");
    int out = c.optional("out_channels").map(JsonNode::asInt).orElse(in);
    if (out <= 0) {
      throw c.fault("out_channels", "must be positive, got " + out);
    }
    int patch = c.requirePositiveInt("patch_size");
    int sample = c.requirePositiveInt("sample_size");
    if (sample < patch) {
      throw c.fault("sample_size", "must be at least patch_size " + patch + ", got " + sample);
    }
    String activation = c.optional("activation_fn").map(JsonNode::asText).orElse("geglu");
    Activation act;
    try {
      act = Activation.ofDiffusersName(activation);
    } catch (IllegalArgumentException e) {
      throw c.fault("activation_fn", e.getMessage());
    }
    return new LatteConfig(
        heads,
        headDim,
        in,
        out,
        c.optional("num_layers").isPresent() ? c.requirePositiveInt("num_layers") : 1,
        cross,
        c.optional("attention_bias").isPresent() && c.requireBoolean("attention_bias"),
        sample,
        patch,
        act,
        !c.optional("norm_elementwise_affine").isPresent() || c.requireBoolean("norm_elementwise_affine"),
        c.optional("norm_eps").isPresent() ? c.requireDouble("norm_eps") : 1e-5,
        c.requirePositiveInt("caption_channels"),
        c.optional("video_length").isPresent() ? c.requirePositiveInt("video_length") : 16);
  }
}
