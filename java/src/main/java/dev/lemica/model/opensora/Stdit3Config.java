package dev.lemica.model.opensora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;

/**
 * The {@code STDiT3Config} keys (Open-Sora 1.2, a transformers config: {@code architectures}
 * ["STDiT3"]) this port uses, validated. Keys a folder leaves out take STDiT3Config's defaults, as
 * {@code STDiT3.from_pretrained} does; training-only and kernel-choice keys (drop_path,
 * class_dropout_prob, enable_flash_attn, enable_layernorm_kernel, enable_sequence_parallelism,
 * only_train_temporal, freeze_y_embedder, input_size) change nothing at inference and are not read.
 *
 * @param mlpHidden int(hidden_size · mlp_ratio), timm's Mlp hidden width
 * @param outChannels twice in_channels with pred_sigma (the learned variance follows the prediction)
 * @param modelMaxLength rows of the null caption {@code y_embedder.y_embedding}
 * @param inputSqSize the pixel size (√(height·width)) at which the position embedding has scale 1
 */
public record Stdit3Config(
    int hidden,
    int depth,
    int heads,
    int patchT,
    int patchH,
    int patchW,
    int inChannels,
    int outChannels,
    int captionChannels,
    int modelMaxLength,
    int mlpHidden,
    boolean qkNorm,
    int inputSqSize) {

  public static final String CLASS_NAME = "STDiT3";

  public int headDim() {
    return hidden / heads;
  }

  public int patchVolume() {
    return patchT * patchH * patchW;
  }

  public static Stdit3Config from(ModelConfig c) {
    if (bool(c, "skip_y_embedder", false)) {
      throw c.fault("skip_y_embedder", "is true: only checkpoints that embed their captions (every Open-Sora 1.2 release) are supported");
    }
    int hidden = positive(c, "hidden_size", 1152);
    int heads = positive(c, "num_heads", 16);
    if (hidden % heads != 0) {
      throw c.fault("num_heads", "(" + heads + ") must divide hidden_size " + hidden);
    }
    if ((hidden / heads) % 2 != 0) {
      throw c.fault("num_heads", "leaves an odd head size " + hidden / heads + "; rotary embeddings need it even");
    }
    if (hidden % 4 != 0) {
      throw c.fault("hidden_size", "must be divisible by 4 for the 2-D position embedding, got " + hidden);
    }
    int[] patch = c.optional("patch_size").isPresent() ? c.requireIntArray("patch_size", 3) : new int[] {1, 2, 2};
    double mlpRatio = number(c, "mlp_ratio", 4.0);
    if (!(mlpRatio > 0) || (int) (hidden * mlpRatio) <= 0) {
      throw c.fault("mlp_ratio", "must be positive, got " + mlpRatio);
    }
    int in = positive(c, "in_channels", 4);
    return new Stdit3Config(
        hidden,
        positive(c, "depth", 28),
        heads,
        patch[0],
        patch[1],
        patch[2],
        in,
        bool(c, "pred_sigma", true) ? 2 * in : in,
        positive(c, "caption_channels", 4096),
        positive(c, "model_max_length", 300),
        (int) (hidden * mlpRatio),
        bool(c, "qk_norm", true),
        positive(c, "input_sq_size", 512));
  }

  private static int positive(ModelConfig c, String key, int fallback) {
    return c.optional(key).isPresent() ? c.requirePositiveInt(key) : fallback;
  }

  private static boolean bool(ModelConfig c, String key, boolean fallback) {
    return c.optional(key).isPresent() ? c.requireBoolean(key) : fallback;
  }

  private static double number(ModelConfig c, String key, double fallback) {
    JsonNode n = c.optional(key).orElse(null);
    return n == null ? fallback : c.requireDouble(key);
  }
}
