package dev.lemica.cli;

import dev.lemica.pipeline.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Size, negative prompt and text length of a run: the settings a diffusers pipeline lets vary, shared by the commands that sample from prompts. */
final class VideoOptions {
  @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "The unconditional branch's prompt: one for all prompts, or one per prompt (repeat). Default: the pipeline's (empty).")
  List<String> negativePrompts = new ArrayList<>();

  @Option(names = "--height", description = "Video height in pixels (a multiple of the VAE's spatial factor times the patch size: 16 for Wan, CogVideoX and Latte). Default: the pipeline's (Wan 480, Latte 512, CogVideoX its transformer's sample_height x 8).")
  Integer height;

  @Option(names = "--width", description = "Video width in pixels (same rule as --height). Default: the pipeline's (Wan 832, Latte 512, CogVideoX sample_width x 8).")
  Integer width;

  @Option(names = "--frames", description = "Video frames (Wan and CogVideoX: 1 + 4k, other counts are rounded down to that form, as their pipelines do, and CogVideoX decodes an even number T of latent frames to 4T frames; Latte: its transformer's video_length, or 1). Default: the pipeline's (Wan 81, CogVideoX sample_frames, Latte video_length).")
  Integer frames;

  @Option(names = "--max-sequence-length", paramLabel = "N", description = "Text tokens per prompt. Default: the pipeline's (Wan 512, CogVideoX 226; Latte takes 120 only).")
  Integer maxSequenceLength;

  /** The request for {@code prompts} with these options and the model options' steps, guidance and shift. */
  GenerationRequest request(List<String> prompts, ModelOptions model) {
    return new GenerationRequest(
        prompts, negativePrompts.isEmpty() ? null : negativePrompts, height, width, frames, model.steps, model.guidance, model.shift,
        maxSequenceLength);
  }
}
