package dev.lemica.pipeline;

import dev.lemica.cache.CachePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.NoiseSource;
import dev.lemica.sampling.Parallelism;
import dev.lemica.sampling.StepListener;
import java.nio.file.Path;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;

/**
 * A text-to-video (or text-to-image) pipeline assembled from a model folder: text encoding,
 * cached sampling with the transformer, decoding. The three phases are separate so that each loads
 * its component when it starts and may free it when it ends, which is what lets a 1.3B video
 * pipeline with a 5.7B text encoder run in 24 GB.
 *
 * <p>Tensors returned live in the caller's {@code PointerScope}.
 */
public interface DiffusionPipeline extends AutoCloseable {
  /** The diffusers pipeline class this reproduces (or the LeMiCa folder kind). */
  String className();

  Path folder();

  ComputeTarget target();

  /** Fills the request's unset fields with the pipeline's defaults and checks them. */
  GenerationSettings resolve(GenerationRequest request);

  /** Shape of the initial noise, batch first, in the layout the pipeline keeps its latents. */
  long[] noiseShape(GenerationSettings settings);

  /** Frames per second of the videos this pipeline makes. */
  int fps();

  /**
   * How its decoded frames become 8-bit pixels in a video file: diffusers' export_to_video
   * truncates ({@code (x * 255).astype(uint8)}); Open-Sora's save_sample rounds.
   */
  default dev.lemica.video.Pixels.Rounding frameRounding() {
    return dev.lemica.video.Pixels.Rounding.TRUNCATE;
  }

  /** The sampler a run with these settings uses (its folder's scheduler, with the settings' steps and shift). */
  Sampler sampler(GenerationSettings settings);

  /** The sampler's name as schedule provenance records it. */
  default String samplerName(GenerationSettings settings) {
    return sampler(settings).describe();
  }

  /** How the CFG branches combine for these settings (the pipeline's rule and scale). */
  default Guidance guidance(GenerationSettings settings) {
    return Guidance.classifierFree(settings.guidance());
  }

  /**
   * Runs {@code work} with the transformer loaded; nested calls share one load. How jobs that
   * sample many times (calibration, evaluation) keep it loaded between runs.
   */
  <R> R withTransformer(Function<DiffusionTransformer, R> work);

  Conditioning encode(GenerationSettings settings);

  /**
   * Conditioning from text embeddings made elsewhere ({@code prompt_embeds} and
   * {@code negative_prompt_embeds}), for pipelines whose transformer takes nothing else.
   */
  default Conditioning conditioning(dev.lemica.text.PromptEmbeddings embeddings) {
    throw new IllegalArgumentException(className() + " takes more than one text embedding: give prompts, not --embeddings");
  }

  /** One cached sampling run from {@code noise}: the folder's sampler, the pipeline's guidance, the policy at the block-stack seam. */
  default SamplingResult sample(
      Conditioning conditioning,
      Tensor noise,
      GenerationSettings settings,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      StepListener listener) {
    return sample(conditioning, noise, settings, policy, branches, Parallelism.NONE, listener);
  }

  /** Fails in one line when {@code noise} is not of {@link #noiseShape}. */
  default void checkNoise(Tensor noise, GenerationSettings settings) {
    long[] expected = noiseShape(settings);
    if (!java.util.Arrays.equals(dev.lemica.torch.Tensors.shape(noise), expected)) {
      throw new IllegalArgumentException(
          "initial latents have shape " + dev.lemica.torch.Tensors.shapeString(noise) + "; " + settings.batch() + " prompt(s) at "
              + settings.width() + "x" + settings.height() + ", " + settings.frames() + " frame(s) need " + java.util.Arrays.toString(expected));
    }
  }

  /**
   * {@link #sample} with each step spread over processes (sequence and CFG parallelism): every
   * process of the run calls it with the same arguments and gets the same latents. The CFG split
   * works for every transformer; a transformer that does not split its tokens yet refuses
   * sequence parallelism in one line ({@link DiffusionTransformer#forward(dev.lemica.model.ForwardInputs,
   * dev.lemica.model.BlockStackHook, dev.lemica.nn.SequenceParallel)}).
   */
  default SamplingResult sample(
      Conditioning conditioning,
      Tensor noise,
      GenerationSettings settings,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      Parallelism parallel,
      StepListener listener) {
    return sample(conditioning, noise, settings, policy, branches, parallel, listener, null);
  }

  /**
   * {@link #sample(Conditioning, Tensor, GenerationSettings, CachePolicy, GuidedDenoiser.Branches,
   * Parallelism, StepListener)} with a stochastic sampler's step noise from {@code stepNoise} (null:
   * the sampler's own): the generator that drew {@code noise}, continued, is how diffusers runs a
   * pipeline given one {@code generator}.
   */
  default SamplingResult sample(
      Conditioning conditioning,
      Tensor noise,
      GenerationSettings settings,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      Parallelism parallel,
      StepListener listener,
      NoiseSource stepNoise) {
    checkNoise(noise, settings);
    Sampler folderSampler = sampler(settings);
    Sampler sampler = stepNoise != null && folderSampler.isStochastic() ? folderSampler.withNoise(stepNoise) : folderSampler;
    Guidance guidance = guidance(settings);
    return withTransformer(t -> CachedSampling.run(t, sampler, conditioning, guidance, noise, policy, branches, parallel, listener));
  }

  /** Latents as {@link #sample} returns them → videos (B, 3, F, H, W) float32 in [-1, 1]. */
  Tensor decode(Tensor latents, GenerationSettings settings);

  /** The whole run: encode, sample, decode. */
  default Generation generate(
      GenerationSettings settings,
      Tensor noise,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      PipelineListener listener) {
    return generate(settings, noise, policy, branches, Parallelism.NONE, listener);
  }

  /**
   * The whole run with its sampling spread over processes; every process encodes and decodes for
   * itself (a caller that writes from one process only may call the phases itself and decode there).
   */
  default Generation generate(
      GenerationSettings settings,
      Tensor noise,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      Parallelism parallel,
      PipelineListener listener) {
    long t0 = System.nanoTime();
    listener.phaseStarted("encode", 0);
    Conditioning text = encode(settings);
    long t1 = System.nanoTime();
    listener.phaseDone("encode", (t1 - t0) / 1e9);
    listener.phaseStarted("sample", settings.steps());
    SamplingResult sampled = sample(text, noise, settings, policy, branches, parallel, listener);
    long t2 = System.nanoTime();
    listener.phaseDone("sample", (t2 - t1) / 1e9);
    listener.phaseStarted("decode", 0);
    Tensor videos = decode(sampled.latents(), settings);
    long t3 = System.nanoTime();
    listener.phaseDone("decode", (t3 - t2) / 1e9);
    return new Generation(sampled, videos, (t1 - t0) / 1e9, (t3 - t2) / 1e9);
  }

  @Override
  void close();
}
