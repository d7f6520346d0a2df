package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.SamplerSettings;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.text.PrecomputedEmbeddings;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.text.WordEmbeddingEncoder;
import dev.lemica.video.GifWriter;
import dev.lemica.video.PngWriter;
import dev.lemica.video.VideoFrames;
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
      "Generates videos from prompts with cached sampling and writes them as an animated GIF.",
      "Without --model it uses the embedded shapes-wan-t2v model (prompts like \"red circle moving right\";"
          + " colors red green blue yellow cyan magenta white orange; shapes circle square diamond;"
          + " moving left|right|up|down or staying still).",
      "Several prompts run as one batch and the GIF shows them as a grid."
    })
final class GenerateCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;
  @Option(names = "--prompt", description = "A prompt; repeat for a batch.")
  List<String> prompts = new ArrayList<>();

  @Option(names = "--embeddings", paramLabel = "FILE", description = "Precomputed text embeddings instead of prompts: safetensors with prompt_embeds and negative_prompt_embeds (B, tokens, dim).")
  Path embeddings;





  @Mixin NoiseOptions noise;

  @Mixin CacheOptions cache;

  @Option(names = "--out", required = true, paramLabel = "PATH.gif", description = "Animated GIF to write (a grid when there are several prompts).")
  Path out;

  @Option(names = "--tensor-out", paramLabel = "PATH.safetensors", description = "Also write the raw final videos as tensor 'video' (B, 3, F, H, W) float32 in [-1, 1], unclamped.")
  Path tensorOut;

  @Option(names = "--frames-png", paramLabel = "PATH.png", description = "Also write every frame as one PNG: a row per prompt, a column per frame.")
  Path framesPng;

  @Option(names = "--scale", defaultValue = "4", description = "Pixel enlargement in the GIF. Default: ${DEFAULT-VALUE}.")
  int scale;

  @Option(names = "--fps", defaultValue = "8", description = "GIF frames per second. Default: ${DEFAULT-VALUE}.")
  int fps;


  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Mixin ComputeOptions compute;

  @Override
  public Integer call() {
    if (prompts.isEmpty() == (embeddings == null)) {
      throw new IllegalArgumentException("give --prompt (one or more) or --embeddings, not both and not neither");
    }
    if (scale < 1 || fps < 1) {
      throw new IllegalArgumentException("--scale and --fps must be positive");
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
      GifWriter.write(VideoFrames.grid(g.samples(), (int) Math.ceil(Math.sqrt(text.batch())), scale), out, fps);
      if (framesPng != null) {
        PngWriter.write(VideoFrames.strip(g.samples(), scale), framesPng);
      }
      if (tensorOut != null) {
        new SafetensorsWriter().put("video", g.samples()).write(tensorOut);
      }
      System.out.printf(
          "wrote %s%s | %.2f s wall | block stack ran at %d of %d steps: %d evaluations, %d reused (per CFG branch)%n",
          out, tensorOut != null ? " and " + tensorOut : "", g.seconds(), g.computedSteps(), settings.steps(),
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
