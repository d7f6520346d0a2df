package dev.lemica.cli;

import dev.lemica.pipeline.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Size, negative prompt and text length of a run: the settings a diffusers pipeline lets vary, shared by the commands that sample from prompts. */
final class VideoOptions {
  @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "The unconditional branch's prompt: one for all prompts, or one per prompt (repeat). Default: the pipeline's (empty).")
  List<String> negativePrompts = new ArrayList<>();

  @Option(names = "--height", description = "Video height in pixels (a multiple of the VAE's spatial factor times the patch size: 16 for Wan). Default: the pipeline's (Wan 480).")
  Integer height;

  @Option(names = "--width", description = "Video width in pixels (same rule as --height). Default: the pipeline's (Wan 832).")
  Integer width;

  @Option(names = "--frames", description = "Video frames (Wan: 1 + 4k; other counts are rounded down to that form, as WanPipeline does). Default: the pipeline's (Wan 81).")
  Integer frames;

  @Option(names = "--max-sequence-length", paramLabel = "N", description = "Text tokens per prompt. Default: the pipeline's (Wan 512).")
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
