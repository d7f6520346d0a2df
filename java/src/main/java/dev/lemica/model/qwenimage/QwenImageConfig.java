package dev.lemica.model.qwenimage;

import dev.lemica.model.ModelConfig;
import java.util.Arrays;

/** The {@code QwenImageTransformer2DModel} config keys this port uses, validated. */
public record QwenImageConfig(
    int patchSize,
    int inChannels,
    int outChannels,
    int layers,
    int headDim,
    int heads,
    int jointAttentionDim,
    int[] axesDimsRope) {

  public static final String CLASS_NAME = "QwenImageTransformer2DModel";

  public int dim() {
    return heads * headDim;
  }

  /** Defaults as in diffusers' {@code QwenImageTransformer2DModel.__init__}. */
  public static QwenImageConfig from(ModelConfig c) {
    for (String variant : new String[] {"zero_cond_t", "use_additional_t_cond", "use_layer3d_rope"}) {
      if (c.optional(variant).isPresent() && c.requireBoolean(variant)) {
        throw c.fault(variant, "is true: only the text-to-image Qwen-Image transformer is supported (not the edit / layered variants)");
      }
    }
    int in = intOr(c, "in_channels", 64);
    int headDim = intOr(c, "attention_head_dim", 128);
    int[] axes = c.optional("axes_dims_rope").isPresent() ? c.requireIntArray("axes_dims_rope", 3) : new int[] {16, 56, 56};
    if (Arrays.stream(axes).anyMatch(a -> a % 2 != 0) || Arrays.stream(axes).sum() != headDim) {
      throw c.fault("axes_dims_rope", "must be three even widths summing to attention_head_dim " + headDim + ", got " + Arrays.toString(axes));
    }
    return new QwenImageConfig(
        intOr(c, "patch_size", 2),
        in,
        // Absent means the signature's default, 16; null means "as in_channels" (out_channels or in_channels).
        c.optional("out_channels").isPresent() ? c.requirePositiveInt("out_channels") : c.json().has("out_channels") ? in : 16,
        intOr(c, "num_layers", 60),
        headDim,
        intOr(c, "num_attention_heads", 24),
        intOr(c, "joint_attention_dim", 3584),
        axes);
  }

  private static int intOr(ModelConfig c, String key, int fallback) {
    return c.optional(key).isPresent() ? c.requirePositiveInt(key) : fallback;
  }
}
