package dev.lemica.cli;

import dev.lemica.pipeline.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Size, negative prompt and text length of a run: the settings a diffusers pipeline lets vary, shared by the commands that sample from prompts. */
final class VideoOptions {
  @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "The unconditional branch's prompt: one for all prompts, or one per prompt (repeat). Default: the pipeline's (Wan: empty; Qwen-Image: none, so no true CFG, as in diffusers; FLUX.1: refused, it runs one branch; Open-Sora has none: its unconditional branch is the model's learned null caption).")
  List<String> negativePrompts = new ArrayList<>();

  @Option(names = "--height", description = "Video height in pixels (a multiple of the VAE's spatial factor times the patch size: 16 for Wan, CogVideoX, Latte, FLUX.1 and Qwen-Image; Open-Sora pads to the patch and its VAE cuts to a multiple of 8). Default: the pipeline's (Wan 480; Latte 512; CogVideoX its transformer's sample_height x 8; FLUX.1 and Qwen-Image 1024; Open-Sora inference.json's image_size or resolution + aspect_ratio, else sample.py's 240).")
  Integer height;

  @Option(names = "--width", description = "Video width in pixels (same rule as --height). Default: the pipeline's (Wan 832; Latte 512; CogVideoX sample_width x 8; FLUX.1 and Qwen-Image 1024; Open-Sora as for --height, sample.py's 426).")
  Integer width;

  @Option(names = "--frames", description = "Video frames (Wan and CogVideoX: 1 + 4k, other counts are rounded down to that form, as their pipelines do, and CogVideoX decodes an even number T of latent frames to 4T frames; Latte: its transformer's video_length, or 1; Open-Sora takes any count; image pipelines only 1). Default: the pipeline's (Wan 81; CogVideoX sample_frames; Latte video_length; Open-Sora inference.json's num_frames, else 51; FLUX.1 and Qwen-Image 1).")
  Integer frames;

  @Option(names = "--max-sequence-length", paramLabel = "N", description = "Text tokens per prompt. Default: the pipeline's (Wan, FLUX.1 and Qwen-Image 512, at most 512 for FLUX.1's T5 and 1024 for Qwen-Image; CogVideoX 226; Latte 120, the only value it takes; Open-Sora text_encoder.model_max_length, the only value it takes).")
  Integer maxSequenceLength;

  /** The request for {@code prompts} with these options and the model options' steps, guidance and shift. */
  GenerationRequest request(List<String> prompts, ModelOptions model) {
    return request(prompts, model, 1);
  }

  /**
   * The request for samples made of each prompt {@code repeatEach} times in a row (every prompt
   * under several seeds): a negative prompt given per prompt repeats with it.
   */
  GenerationRequest request(List<String> samples, ModelOptions model, int repeatEach) {
    List<String> negatives = negativePrompts;
    if (repeatEach > 1 && negatives.size() > 1) {
      negatives = new ArrayList<>();
      for (String n : negativePrompts) {
        for (int r = 0; r < repeatEach; r++) {
          negatives.add(n);
        }
      }
    }
    return new GenerationRequest(
        samples, negatives.isEmpty() ? null : negatives, height, width, frames, model.steps, model.guidance, model.shift, maxSequenceLength);
  }
}
