package dev.lemica.pipeline;

import dev.lemica.cache.CachePolicy;
import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
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
 * A LeMiCa model folder (the embedded shapes-wan-t2v's layout): {@code transformer/},
 * {@code text_encoder/} (a word-embedding table) and {@code scheduler.json} with the sampling
 * defaults and the sample shape. Its samples are the videos themselves (no VAE). Generates from
 * prompts or precomputed embeddings, under any cache policy.
 */
public final class TextToVideoPipeline implements DiffusionPipeline {
  /** The flag name of the one text input of its transformer. */
  private static final String TEXT = "encoder_hidden_states";
  private static final int FPS = 8;

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

  @Override
  public String className() {
    return "LeMiCa model folder";
  }

  @Override
  public ComputeTarget target() {
    return transformer.target();
  }

  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    long[] shape = defaults.sampleShape();
    checkFixed("--frames", r.frames(), shape[1]);
    checkFixed("--height", r.height(), shape[2]);
    checkFixed("--width", r.width(), shape[3]);
    int tokens = textEncoder.map(t -> t instanceof WordEmbeddingEncoder w ? w.tokenizer().maxLength() : 0).orElse(0);
    if (r.maxSequenceLength() != null && r.maxSequenceLength() != tokens) {
      throw new IllegalArgumentException("--max-sequence-length: " + folder + " encodes every prompt to " + tokens + " tokens");
    }
    SamplerSettings s = defaults.withOverrides(r.steps(), r.shift(), r.guidance());
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(r.negativePrompts(), r.prompts().size(), ""),
        (int) shape[2], (int) shape[3], (int) shape[1], s.steps(), s.guidance(), s.shift(), tokens);
  }

  private void checkFixed(String flag, Integer asked, long fixed) {
    if (asked != null && asked != fixed) {
      throw new IllegalArgumentException(
          flag + " " + asked + ": " + folder + " generates " + defaults.sampleShape()[1] + " frames of "
              + defaults.sampleShape()[2] + "x" + defaults.sampleShape()[3] + " only");
    }
  }

  @Override
  public long[] noiseShape(GenerationSettings settings) {
    long[] sample = defaults.sampleShape();
    long[] shape = new long[sample.length + 1];
    shape[0] = settings.batch();
    System.arraycopy(sample, 0, shape, 1, sample.length);
    return shape;
  }

  @Override
  public int fps() {
    return FPS;
  }

  /** The folder's sampler (its scheduler.json kind, flow-matching Euler) for these settings. */
  @Override
  public FlowMatchEuler sampler(GenerationSettings settings) {
    return new FlowMatchEuler(settings.steps(), settings.shift());
  }

  /** The folder's sampler for these settings. */
  public FlowMatchEuler sampler(SamplerSettings settings) {
    return new FlowMatchEuler(settings.steps(), settings.shift());
  }

  @Override
  public Conditioning encode(GenerationSettings settings) {
    TextEncoder encoder = textEncoder.orElseThrow(() -> new IllegalArgumentException(
        folder + ": has no text encoder this project can run; pass precomputed embeddings (--embeddings)"));
    if (encoder instanceof WordEmbeddingEncoder words) {
      warnUnknownWords(words, settings.prompts());
      warnUnknownWords(words, settings.negativePrompts());
    }
    PromptEmbeddings cond = encoder.encode(settings.prompts());
    PromptEmbeddings uncond = encoder.encode(settings.negativePrompts());
    return new Conditioning(Map.of(TEXT, cond.cond()), Map.of(TEXT, uncond.cond()));
  }

  private static void warnUnknownWords(WordEmbeddingEncoder encoder, java.util.List<String> prompts) {
    for (String p : new java.util.LinkedHashSet<>(prompts)) {
      java.util.List<String> unknown = encoder.tokenizer().unknownWords(p);
      if (!unknown.isEmpty()) {
        Warnings.warn("the model does not know " + unknown + " in \"" + p + "\" (they become <unk>)");
      }
    }
  }

  /** Conditioning from embeddings made elsewhere. */
  @Override
  public Conditioning conditioning(PromptEmbeddings embeddings) {
    return conditioningOf(embeddings);
  }

  private static Conditioning conditioningOf(PromptEmbeddings embeddings) {
    return new Conditioning(Map.of(TEXT, embeddings.cond()), Map.of(TEXT, embeddings.uncond()));
  }

  /** Flow-matching Euler draws no step noise: {@code stepNoise} is not used. */
  @Override
  public SamplingResult sample(
      Conditioning conditioning, Tensor noise, GenerationSettings settings, CachePolicy policy,
      GuidedDenoiser.Branches branches, Parallelism parallel, StepListener listener, dev.lemica.sampling.NoiseSource stepNoise) {
    if (noise.size(0) != conditioning.cond().get(TEXT).size(0)) {
      throw new IllegalArgumentException(
          "noise has batch " + noise.size(0) + " but there are " + conditioning.cond().get(TEXT).size(0) + " prompts");
    }
    return CachedSampling.run(transformer, sampler(settings), conditioning, guidance(settings), noise, policy, branches, parallel, listener);
  }

  /** The transformer stays loaded as long as the folder is open (7M parameters). */
  @Override
  public <R> R withTransformer(java.util.function.Function<DiffusionTransformer, R> work) {
    return work.apply(transformer);
  }

  /** The samples are the videos: decoding is the identity. */
  @Override
  public Tensor decode(Tensor latents, GenerationSettings settings) {
    return latents;
  }

  public Optional<TextEncoder> textEncoder() {
    return textEncoder;
  }

  public PromptEmbeddings encode(java.util.List<String> prompts) {
    textEncoder.filter(WordEmbeddingEncoder.class::isInstance).ifPresent(e -> warnUnknownWords((WordEmbeddingEncoder) e, prompts));
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
    SamplingResult r =
        sample(conditioningOf(embeddings), noise, new GenerationSettings(
            java.util.Collections.nCopies((int) embeddings.batch(), ""), java.util.Collections.nCopies((int) embeddings.batch(), ""),
            0, 0, 0, settings.steps(), settings.guidance(), settings.shift(), 0), policy, branches, listener);
    return new Generation(r.latents(), r.computedSteps(), r.blockStackEvaluations(), r.reusedEvaluations(), r.seconds());
  }

  @Override
  public void close() {
    transformer.close();
  }
}
