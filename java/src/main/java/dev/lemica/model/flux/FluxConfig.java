package dev.lemica.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import java.util.Arrays;

/** The {@code FluxTransformer2DModel} config keys this port uses, validated. */
public record FluxConfig(
    int patchSize,
    int inChannels,
    int outChannels,
    int layers,
    int singleLayers,
    int headDim,
    int heads,
    int jointAttentionDim,
    int pooledProjectionDim,
    boolean guidanceEmbeds,
    int[] axesDimsRope) {

  public static final String CLASS_NAME = "FluxTransformer2DModel";

  public int dim() {
    return heads * headDim;
  }

  /** Defaults as in diffusers' {@code FluxTransformer2DModel.__init__}. */
  public static FluxConfig from(ModelConfig c) {
    int in = intOr(c, "in_channels", 64);
    int headDim = intOr(c, "attention_head_dim", 128);
    int[] axes = axes(c, headDim);
    return new FluxConfig(
        intOr(c, "patch_size", 1),
        in,
        c.optional("out_channels").isPresent() ? c.requirePositiveInt("out_channels") : in,
        intOr(c, "num_layers", 19),
        nonNegativeOr(c, "num_single_layers", 38),
        headDim,
        intOr(c, "num_attention_heads", 24),
        intOr(c, "joint_attention_dim", 4096),
        intOr(c, "pooled_projection_dim", 768),
        c.optional("guidance_embeds").isPresent() && c.requireBoolean("guidance_embeds"),
        axes);
  }

  static int intOr(ModelConfig c, String key, int fallback) {
    return c.optional(key).isPresent() ? c.requirePositiveInt(key) : fallback;
  }

  private static int nonNegativeOr(ModelConfig c, String key, int fallback) {
    if (c.optional(key).isEmpty()) {
      return fallback;
    }
    int v = c.requireInt(key);
    if (v < 0) {
      throw c.fault(key, "must not be negative, got " + v);
    }
    return v;
  }

  /** axes_dims_rope: even widths, one per position axis, summing to attention_head_dim (default 16, 56, 56). */
  static int[] axes(ModelConfig c, int headDim) {
    int[] axes = c.optional("axes_dims_rope").isPresent() ? c.requireIntArray("axes_dims_rope", arrayLength(c)) : new int[] {16, 56, 56};
    if (Arrays.stream(axes).anyMatch(a -> a % 2 != 0) || Arrays.stream(axes).sum() != headDim) {
      throw c.fault("axes_dims_rope", "must be even widths summing to attention_head_dim " + headDim + ", got " + Arrays.toString(axes));
    }
    return axes;
  }

  private static int arrayLength(ModelConfig c) {
    JsonNode n = c.optional("axes_dims_rope").get();
    return n.isArray() && n.size() > 0 ? n.size() : 3;
  }
}
