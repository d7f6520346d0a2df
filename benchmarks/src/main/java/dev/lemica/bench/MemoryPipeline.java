package dev.lemica.bench;

import java.util.List;

/**
 * What {@link PipelineMemory} runs for one diffusers pipeline, phase by phase, at the pipeline's
 * default size: which text encoders encode what, which transformer samples which latent, and how the
 * VAE decodes it. The descriptions themselves are in {@link MemoryPipelines}.
 *
 * @param name the --pipeline name
 * @param pipelineClass the diffusers class whose order and defaults this follows
 * @param textEncoders in the order the pipeline runs them, each loaded, used and freed before the next
 * @param encodesNegative whether the negative prompt goes through the text encoders too (true CFG
 *     with a negative prompt); false where there is none (FLUX.1-dev) or the transformer supplies the
 *     unconditional branch itself (Open-Sora's learned null caption)
 * @param transformerPreset the transformer preset ({@code Models.preset})
 * @param depthKeys the config keys that count its blocks, which --layers cuts (FLUX: double- and
 *     single-stream)
 * @param branches CFG branches per step: 2 (cond and uncond) or 1 (guidance distilled into an input)
 * @param latent the VAE latent of the default size without the batch: C,F,H,W (video) or C,H,W (image)
 * @param size the default size in words, where it comes from
 * @param temporalPatch the transformer samples the latent frames padded in front to a multiple of
 *     this, and the pipeline drops the padding before decoding (CogVideoX 1.5's patch_size_t); 1 elsewhere
 * @param vaePreset the VAE preset ({@code Vaes.preset})
 * @param decode how the pipeline hands its final latents to the VAE
 */
record MemoryPipeline(
    String name,
    String pipelineClass,
    List<TextRun> textEncoders,
    boolean encodesNegative,
    String transformerPreset,
    List<String> depthKeys,
    int branches,
    List<Long> latent,
    String size,
    int temporalPatch,
    String vaePreset,
    Decode decode) {

  /**
   * One text encoder's part of encode_prompt.
   *
   * @param preset the text encoder preset ({@link RandomTextEncoders})
   * @param label its name in the output
   * @param tokens tokens of one prompt as the transformer gets them: the padded length, or for
   *     Qwen-Image the kept tokens after the template's system part
   * @param droppedPrefix tokens the encoder runs on before those and the pipeline then drops
   *     (Qwen-Image's template: 34); 0 elsewhere
   * @param masked whether the pipeline passes an attention mask to the encoder
   * @param conditionsSequence whether its hidden states are the transformer's text sequence (--text-tokens
   *     sets its length); false for FLUX's CLIP, of which only the pooled vector is used (--text-tokens
   *     only caps its 77)
   */
  record TextRun(String preset, String label, int tokens, int droppedPrefix, boolean masked, boolean conditionsSequence) {}

  /** How the final latents reach the VAE. */
  enum Decode {
    /** decodeNormalized of (1, C, F, h, w): WanPipeline. */
    VIDEO,
    /** Padding frames dropped, frames first to channels first, decodeNormalized: CogVideoXPipeline. */
    VIDEO_FRAMES_FIRST,
    /** AutoencoderKL over every frame, decode_chunk_size (14) frames per call: LattePipeline. */
    FRAMES_IN_CHUNKS,
    /** decodeNormalized to the frame count asked for (the most the latents make): Open-Sora's VideoAutoencoderPipeline. */
    VIDEO_TO_FRAME_COUNT,
    /** _unpack_latents, then the one-frame decode: FluxPipeline, QwenImagePipeline. */
    PACKED_IMAGE
  }

  /** Whether the latents have a frame axis (C, F, H, W) rather than being an image's (C, H, W). */
  boolean video() {
    return latent.size() == 4;
  }

  /** The latent the transformer samples for a VAE latent: CogVideoX pads its frames in front to a multiple of patch_size_t. */
  List<Long> sampledLatent(List<Long> vaeLatent) {
    if (temporalPatch == 1) {
      return vaeLatent;
    }
    return List.of(vaeLatent.get(0), vaeLatent.get(1) + paddingFrames(vaeLatent.get(1)), vaeLatent.get(2), vaeLatent.get(3));
  }

  /** pipeline_cogvideox.py: additional_frames = patch_size_t − F mod patch_size_t when that is not 0. */
  long paddingFrames(long latentFrames) {
    long remainder = latentFrames % temporalPatch;
    return remainder == 0 ? 0 : temporalPatch - remainder;
  }
}
