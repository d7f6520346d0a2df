package dev.lemica.model.wan;

import dev.lemica.model.ModelConfig;

/** The {@code WanTransformer3DModel} config keys this port uses, validated. */
public record WanConfig(
    int patchT,
    int patchH,
    int patchW,
    int heads,
    int headDim,
    int inChannels,
    int outChannels,
    int textDim,
    int freqDim,
    int ffnDim,
    int layers,
    boolean crossAttnNorm,
    double eps,
    int ropeMaxSeqLen) {

  public static final String CLASS_NAME = "WanTransformer3DModel";

  public int dim() {
    return heads * headDim;
  }

  public int patchVolume() {
    return patchT * patchH * patchW;
  }

  public static WanConfig from(ModelConfig c) {
    int[] patch = c.requireIntArray("patch_size", 3);
    String qkNorm = c.optional("qk_norm").map(n -> n.asText()).orElse("none");
    if (!qkNorm.equals("rms_norm_across_heads")) {
      throw c.fault("qk_norm", "is '" + qkNorm + "'; only rms_norm_across_heads (every Wan2.1 release) is supported");
    }
    if (c.optional("image_dim").isPresent() || c.optional("added_kv_proj_dim").isPresent()) {
      throw c.fault("image_dim", "is set: image-to-video Wan models are not supported yet (text-to-video only)");
    }
    if (c.optional("pos_embed_seq_len").isPresent()) {
      throw c.fault("pos_embed_seq_len", "is set: only text-to-video Wan models are supported");
    }
    int headDim = c.requirePositiveInt("attention_head_dim");
    if (headDim % 2 != 0) {
      throw c.fault("attention_head_dim", "must be even for rotary embeddings, got " + headDim);
    }
    int freqDim = c.requirePositiveInt("freq_dim");
    if (freqDim % 2 != 0) {
      throw c.fault("freq_dim", "must be even, got " + freqDim);
    }
    int in = c.requirePositiveInt("in_channels");
    int out = c.optional("out_channels").map(n -> n.asInt()).orElse(in);
    return new WanConfig(
        patch[0],
        patch[1],
        patch[2],
        c.requirePositiveInt("num_attention_heads"),
        headDim,
        in,
        out,
        c.requirePositiveInt("text_dim"),
        freqDim,
        c.requirePositiveInt("ffn_dim"),
        c.requirePositiveInt("num_layers"),
        c.requireBoolean("cross_attn_norm"),
        c.requireDouble("eps"),
        c.requirePositiveInt("rope_max_seq_len"));
  }
}
