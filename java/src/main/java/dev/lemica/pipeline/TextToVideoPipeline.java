package dev.lemica.pipeline;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.text.TextEncoder;
import dev.lemica.text.WordEmbeddingEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * A text-to-video model folder: transformer, text encoder (when this project can run it), and
 * sampling defaults. Generates from prompts or precomputed embeddings, under any cache policy.
 */
public final class TextToVideoPipeline implements AutoCloseable {
  private final Path folder;
  private final DiffusionTransformer transformer;
  private final Optional<TextEncoder> textEncoder;
  private final SamplerSettings defaults;

  private TextToVideoPipeline(Path folder, DiffusionTransformer transformer, Optional<TextEncoder> textEncoder, SamplerSettings defaults) {
    this.folder = folder;
    this.transformer = transformer;
    this.textEncoder = textEncoder;
    this.defaults = defaults;
  }

  public static TextToVideoPipeline load(Path folder, ComputeTarget target) {
    Path schedulerFile = folder.resolve("scheduler.json");
    if (!Files.isRegularFile(schedulerFile)) {
      throw new IllegalArgumentException(folder + ": no scheduler.json with the sampling settings and sample shape");
    }
    SamplerSettings defaults = SamplerSettings.read(schedulerFile);
    Path textFolder = folder.resolve("text_encoder");
    Optional<TextEncoder> text =
        Files.isRegularFile(textFolder.resolve("tokenizer.json"))
            ? Optional.of(WordEmbeddingEncoder.read(textFolder))
            : Optional.empty();
    return new TextToVideoPipeline(folder, Models.load(folder, target), text, defaults);
  }

  public Path folder() {
    return folder;
  }

  public DiffusionTransformer transformer() {
    return transformer;
  }

  public SamplerSettings defaults() {
    return defaults;
  }

  /**
   * Frames per second its videos are meant to play at. The shapes models of this project have no
   * natural rate and play at 8; Wan2.1 pipelines play at 16 (diffusers' examples export at 16).
   */
  public int defaultFps() {
    return 8;
  }

  public Optional<TextEncoder> textEncoder() {
    return textEncoder;
  }

  public PromptEmbeddings encode(java.util.List<String> prompts) {
    return textEncoder
        .orElseThrow(() -> new IllegalArgumentException(
            folder + ": has no text encoder this project can run; pass precomputed embeddings (--embeddings)"))
        .encode(prompts);
  }

  /** The result of one sampling run. */
  public record Generation(Tensor samples, int computedSteps, int blockStackEvaluations, int reusedEvaluations, double seconds) {}

  /**
   * Samples from {@code noise} (B, C, F, H, W) under {@code policy}.
   *
   * @param settings steps, shift and guidance (the defaults, possibly overridden)
   */
  public Generation generate(
      PromptEmbeddings embeddings,
      Tensor noise,
      SamplerSettings settings,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      StepListener listener) {
    if (noise.size(0) != embeddings.batch()) {
      throw new IllegalArgumentException(
          "noise has batch " + noise.size(0) + " but there are " + embeddings.batch() + " prompts");
    }
    FlowMatchEuler sampler = new FlowMatchEuler(settings.steps(), settings.shift());
    GuidedDenoiser.Branches effective = branches.serving(policy);
    long start = System.nanoTime();
    int[] computedSteps = {0};
    try (ResidualCache cache = new ResidualCache(policy.start(settings.steps()));
        GuidedDenoiser denoiser =
            new GuidedDenoiser(
                transformer,
                Map.of("encoder_hidden_states", embeddings.cond()),
                Map.of("encoder_hidden_states", embeddings.uncond()),
                settings.guidance(),
                cache,
                effective)) {
      Tensor out =
          sampler.sample(
              noise,
              denoiser,
              (step, steps, computed) -> {
                if (computed) {
                  computedSteps[0]++;
                }
                listener.stepDone(step, steps, computed);
              });
      double seconds = (System.nanoTime() - start) / 1e9;
      int perCall = denoiser.branchesPerCall();
      return new Generation(out, computedSteps[0], cache.computedCalls() * perCall, cache.reusedCalls() * perCall, seconds);
    }
  }

  @Override
  public void close() {
    transformer.close();
  }
}
