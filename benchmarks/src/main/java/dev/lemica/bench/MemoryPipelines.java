package dev.lemica.bench;

import dev.lemica.bench.MemoryPipeline.Decode;
import dev.lemica.bench.MemoryPipeline.TextRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipelines {@link PipelineMemory} knows, each at its default size. Where a default comes from
 * is said next to it: our {@code dev.lemica.pipeline.<family>} class, which follows diffusers'
 * {@code __call__} defaults, unless that default is not the size the model is run at.
 */
final class MemoryPipelines {
  private MemoryPipelines() {}

  // WanPipeline: UMT5-XXL on the prompt and the negative prompt (CFG 5), each padded to
  // max_sequence_length 512 and encoded with the mask; 832 × 480 × 81 frames: latent 16 × 21 × 60 × 104.
  private static MemoryPipeline wan(String name, String transformer) {
    return new MemoryPipeline(
        name, "WanPipeline", List.of(new TextRun("umt5-xxl", "UMT5-XXL", 512, 0, true, true)), true,
        transformer, List.of("num_layers"), 2, List.of(16L, 21L, 60L, 104L), "832x480, 81 frames (WanPipeline's defaults)", 1,
        "wan2.1-vae", Decode.VIDEO);
  }

  private static final Map<String, MemoryPipeline> PIPELINES = new LinkedHashMap<>();

  static {
    for (MemoryPipeline p : List.of(
        wan("wan2.1-t2v-1.3b", "wan2.1-t2v-1.3b"),
        wan("wan2.1-t2v-14b", "wan2.1-t2v-14b"),
        // FluxPipeline: CLIP-L (pooled, 77 tokens, no mask), then T5-XXL (512 tokens, no mask), each
        // loaded and freed in turn; FLUX.1-dev's guidance is an input, so one branch and no negative
        // prompt; 1024 × 1024 (default_sample_size 128 × vae_scale_factor 8): latent 16 × 128 × 128.
        new MemoryPipeline(
            "flux.1-dev", "FluxPipeline",
            List.of(
                new TextRun("clip-vit-large-patch14", "CLIP-L", 77, 0, false, false),
                new TextRun("t5-v1_1-xxl", "T5-XXL", 512, 0, false, true)),
            false, "flux.1-dev", List.of("num_layers", "num_single_layers"), 1, List.of(16L, 128L, 128L),
            "1024x1024 (FluxPipeline's default)", 1, "flux.1-vae", Decode.PACKED_IMAGE),
        // QwenImagePipeline: Qwen2.5-VL-7B on the templated prompt, then on the negative prompt (true
        // CFG, scale 4), each call one row; the template's first 34 tokens are dropped after the
        // encoder. 64 kept tokens stand for a prompt of about 60 tokens (the template's end,
        // "<|im_end|>\n<|im_start|>assistant\n", is kept too), and the negative prompt is taken as
        // long (an upper bound: Qwen-Image's examples pass " ", a handful of kept tokens). 1024 × 1024 (default_sample_size 128 × 8, as diffusers; the model card's
        // 1:1 size is 1328 × 1328: --latent 16,166,166): latent 16 × 128 × 128.
        new MemoryPipeline(
            "qwen-image", "QwenImagePipeline", List.of(new TextRun("qwen2.5-vl-7b-text", "Qwen2.5-VL-7B text", 64, 34, true, true)),
            true, "qwen-image", List.of("num_layers"), 2, List.of(16L, 128L, 128L),
            "1024x1024 (QwenImagePipeline's default)", 1, "qwen-image-vae", Decode.PACKED_IMAGE),
        // CogVideoXPipeline: T5-XXL on the prompt and the negative prompt (CFG 6), padded to 226
        // tokens, no mask. 1360 × 768 × 81 frames, the size CogVideoX 1.5 is made for (its config's
        // sample_height/width 300 would make the pipeline's own default 2400 × 2400): 21 latent
        // frames, which the transformer samples padded in front to 22 (patch_size_t 2) and the
        // pipeline drops again before decoding 21 to 81 frames.
        new MemoryPipeline(
            "cogvideox1.5-5b", "CogVideoXPipeline", List.of(new TextRun("t5-v1_1-xxl", "T5-XXL", 226, 0, false, true)),
            true, "cogvideox1.5-5b", List.of("num_layers"), 2, List.of(16L, 21L, 96L, 170L),
            "1360x768, 81 frames (CogVideoX 1.5's size)", 2, "cogvideox1.5-vae", Decode.VIDEO_FRAMES_FIRST),
        // LattePipeline: T5-XXL on the prompt and the negative prompt (CFG 7.5), 120 tokens with the
        // mask (mask_feature cuts both to the prompt's length afterwards: 120 is the upper bound);
        // 512 × 512 × 16 frames (video_length): latent 4 × 16 × 64 × 64; the SD VAE decodes 14
        // frames per call.
        new MemoryPipeline(
            "latte-1", "LattePipeline", List.of(new TextRun("t5-v1_1-xxl", "T5-XXL", 120, 0, true, true)),
            true, "latte-1", List.of("num_layers"), 2, List.of(4L, 16L, 64L, 64L),
            "512x512, 16 frames (LattePipeline's defaults)", 1, "sd-vae-ft-ema", Decode.FRAMES_IN_CHUNKS),
        // OpenSoraPipeline: T5-XXL on the prompt only, padded to model_max_length 300 with the mask;
        // the uncond branch is the transformer's learned null caption (CFG 7). Open-Sora 1.2's
        // sample.py: 240p at 9:16 (240 × 426 pixels; the VAE makes 424) × 51 frames: latent
        // 4 × 15 × 30 × 53 (three micro-chunks of 17 frames, 5 latent frames each).
        new MemoryPipeline(
            "opensora-1.2", "OpenSoraPipeline", List.of(new TextRun("t5-v1_1-xxl", "T5-XXL", 300, 0, true, true)),
            false, "opensora-1.2", List.of("depth"), 2, List.of(4L, 15L, 30L, 53L),
            "426x240, 51 frames (Open-Sora 1.2 sample.py: 240p 9:16, 2s)", 1, "opensora-1.2-vae", Decode.VIDEO_TO_FRAME_COUNT))) {
      PIPELINES.put(p.name(), p);
    }
  }

  static List<String> names() {
    return List.copyOf(PIPELINES.keySet());
  }

  /** The pipeline called {@code name}; one line naming the known ones otherwise. */
  static MemoryPipeline named(String name) {
    MemoryPipeline p = PIPELINES.get(name);
    if (p == null) {
      throw new IllegalArgumentException("--pipeline " + name + ": unknown (known: " + String.join(", ", names()) + ")");
    }
    return p;
  }
}
