package dev.lemica.pipeline;

import dev.lemica.cache.CachePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
import dev.lemica.sampling.StepListener;
import java.nio.file.Path;
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

  /** A name of the sampler a run with these settings uses, as schedule provenance records it. */
  String samplerName(GenerationSettings settings);

  Conditioning encode(GenerationSettings settings);

  /**
   * Conditioning from text embeddings made elsewhere ({@code prompt_embeds} and
   * {@code negative_prompt_embeds}), for pipelines whose transformer takes nothing else.
   */
  default Conditioning conditioning(dev.lemica.text.PromptEmbeddings embeddings) {
    throw new IllegalArgumentException(className() + " takes more than one text embedding: give prompts, not --embeddings");
  }

  SamplingResult sample(
      Conditioning conditioning,
      Tensor noise,
      GenerationSettings settings,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      StepListener listener);

  /**
   * {@link #sample} with each step spread over processes (sequence and CFG parallelism): every
   * process of the run calls it with the same arguments and gets the same latents. Pipelines whose
   * transformer does not split yet refuse anything but {@link Parallelism#NONE}.
   */
  default SamplingResult sample(
      Conditioning conditioning,
      Tensor noise,
      GenerationSettings settings,
      CachePolicy policy,
      GuidedDenoiser.Branches branches,
      Parallelism parallel,
      StepListener listener) {
    if (parallel.isLocal()) {
      return sample(conditioning, noise, settings, policy, branches, listener);
    }
    throw new IllegalArgumentException(className() + ": does not run across several processes yet");
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
