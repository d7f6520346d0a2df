package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.io.OutputFile;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.SamplerSettings;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.text.PrecomputedEmbeddings;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.text.WordEmbeddingEncoder;
import dev.lemica.video.PngWriter;
import dev.lemica.video.VideoFrames;
import dev.lemica.video.VideoOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Generates videos from prompts with cached sampling and writes them as MP4, WebM, GIF or PNG (by --out's extension).",
      "Without --model it uses the embedded shapes-wan-t2v model (prompts like \"red circle moving right\";"
          + " colors red green blue yellow cyan magenta white orange; shapes circle square diamond;"
          + " moving left|right|up|down or staying still).",
      "Several prompts run as one batch and the output shows them as a grid."
    })
final class GenerateCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;
  @Option(names = "--prompt", description = "A prompt; repeat for a batch.")
  List<String> prompts = new ArrayList<>();

  @Option(names = "--embeddings", paramLabel = "FILE", description = "Precomputed text embeddings instead of prompts: safetensors with prompt_embeds and negative_prompt_embeds (B, tokens, dim).")
  Path embeddings;





  @Mixin NoiseOptions noise;

  @Mixin CacheOptions cache;

  @Option(names = "--out", required = true, paramLabel = "PATH", description = {
      "Output file, format by extension: .mp4 (H.264, libopenh264), .webm (VP9, libvpx-vp9), .gif (animated GIF),"
          + " .png (one image for 1-frame videos, else a frame strip). A grid when there are several prompts."
          + " Checked before the model loads."})
  Path out;

  @Option(names = "--tensor-out", paramLabel = "PATH.safetensors", description = "Also write the raw final videos as tensor 'video' (B, 3, F, H, W) float32 in [-1, 1], unclamped.")
  Path tensorOut;

  @Option(names = "--frames-png", paramLabel = "PATH.png", description = "Also write every frame as one PNG: a row per prompt, a column per frame.")
  Path framesPng;

  @Option(names = "--scale", defaultValue = "4", description = "Pixel enlargement in --out and --frames-png (nearest neighbour). Default: ${DEFAULT-VALUE}.")
  int scale;

  @Option(names = "--fps", paramLabel = "N", description = "Frames per second of --out. Default: the pipeline's (8 for the embedded model).")
  Integer fps;


  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Mixin ComputeOptions compute;

  @Override
  public Integer call() {
    if (prompts.isEmpty() == (embeddings == null)) {
      throw new IllegalArgumentException("give --prompt (one or more) or --embeddings, not both and not neither");
    }
    if (scale < 1 || (fps != null && fps < 1)) {
      throw new IllegalArgumentException("--scale and --fps must be positive");
    }
    VideoOutput output = VideoOutput.forPath(out);
    if (tensorOut != null) {
      OutputFile.check(tensorOut, ".safetensors");
    }
    if (framesPng != null) {
      OutputFile.check(framesPng, ".png");
    }
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = modelOptions.branches(target);
    Path modelDir = modelOptions.folder();
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        TextToVideoPipeline pipeline = TextToVideoPipeline.load(modelDir, target)) {
      SamplerSettings settings = modelOptions.settings(pipeline.defaults());
      CachePolicy policy = cache.policy(settings.steps(), modelDir);
      PromptEmbeddings text = embeddings != null ? PrecomputedEmbeddings.read(embeddings) : encode(pipeline);
      Tensor initial = noise.noise(text.batch(), settings.sampleShape());
      System.err.printf(
          "%s: %d prompt(s), %d steps, guidance %.2f, shift %.2f, %s, %s, cache: %s%n",
          modelOptions.model != null ? modelDir : "shapes-wan-t2v (embedded)", text.batch(), settings.steps(), settings.guidance(),
          settings.shift(), noise.describe(), target, policy.describe());
      TextToVideoPipeline.Generation g;
      try (StepProgress progress = new StepProgress("sampling", settings.steps(), quiet)) {
        g = pipeline.generate(text, initial, settings, policy, branches, progress);
      }
      output.write(g.samples(), fps != null ? fps : pipeline.defaultFps(), scale);
      if (framesPng != null) {
        PngWriter.write(VideoFrames.strip(g.samples(), scale), framesPng);
      }
      if (tensorOut != null) {
        new SafetensorsWriter().put("video", g.samples()).write(tensorOut);
      }
      System.out.printf(
          "wrote %s as %s%s | %.2f s wall | block stack ran at %d of %d steps: %d evaluations, %d reused (per CFG branch)%n",
          out, output.format(), tensorOut != null ? " and " + tensorOut : "", g.seconds(), g.computedSteps(), settings.steps(),
          g.blockStackEvaluations(), g.reusedEvaluations());
    }
    return 0;
  }

  private PromptEmbeddings encode(TextToVideoPipeline pipeline) {
    pipeline.textEncoder()
        .filter(WordEmbeddingEncoder.class::isInstance)
        .map(WordEmbeddingEncoder.class::cast)
        .ifPresent(
            encoder -> prompts.forEach(p -> {
              List<String> unknown = encoder.tokenizer().unknownWords(p);
              if (!unknown.isEmpty()) {
                System.err.println("warning: the model does not know " + unknown + " in \"" + p + "\" (they become <unk>)");
              }
            }));
    return pipeline.encode(prompts);
  }
}
