package dev.lemica.model;

import dev.lemica.nn.SequenceParallel;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A denoising transformer loaded from a diffusers folder. Its block stack runs through a
 * {@link BlockStackHook}, which is how caching policies skip it without knowing the model.
 */
public interface DiffusionTransformer extends AutoCloseable {
  /** The diffusers {@code _class_name} this implementation reproduces. */
  String className();

  ComputeTarget target();

  /** Number of blocks in the stack (every block of every list, in execution order). */
  int blockCount();

  /** Names of the forward's required tensor inputs, as the diffusers forward names its arguments. */
  List<String> inputNames();

  /** The velocity/noise prediction, (B, C, ...) in the compute dtype. */
  Tensor forward(ForwardInputs inputs, BlockStackHook hook);

  default Tensor forward(ForwardInputs inputs) {
    return forward(inputs, BlockStackHook.RUN_ALL);
  }

  /** The forward input that carries the latents a sampler integrates (diffusers: hidden_states). */
  default String latentsInput() {
    return "hidden_states";
  }

  /**
   * The unconditional CFG branch, for a model that defines it itself from the conditional inputs
   * (Open-Sora's learned null caption); empty where the caller brings it (a negative prompt's embeddings).
   */
  default java.util.Optional<java.util.Map<String, Tensor>> unconditional(java.util.Map<String, Tensor> cond) {
    return java.util.Optional.empty();
  }

  /**
   * What a sampler integrates of a forward's output: all of it, or for a model that learns its
   * variance (Open-Sora's STDiT3, Latte: pred_sigma / learned-sigma) the prediction channels only.
   */
  default Tensor prediction(Tensor output) {
    return output;
  }

  /**
   * The timestep input the family's pipeline passes for the scheduler's timesteps ((batch,) float32):
   * Wan and Open-Sora pass them as they are, FLUX and Qwen-Image pass t / 1000 (their forwards take
   * sigma-scale timesteps).
   */
  default Tensor timestepInput(Tensor schedulerTimesteps) {
    return schedulerTimesteps;
  }

  /**
   * The guidance rule of the family's pipeline at scale g, for runs from explicit inputs (sample):
   * plain CFG by default; Qwen-Image rescales each token to the cond branch's norm.
   */
  default dev.lemica.sampling.Guidance pipelineGuidance(double scale) {
    return dev.lemica.sampling.Guidance.classifierFree(scale);
  }

  /** How the family's pipeline sets its scheduler's timesteps for these latents; empty: the scheduler's own. */
  default java.util.Optional<PipelineTimesteps> pipelineTimesteps(Tensor latents) {
    return java.util.Optional.empty();
  }

  /**
   * The forward with its token sequence split across the processes of {@code sequence}: every one
   * of them calls it with the same inputs and gets the whole output; the hook sees this process's
   * tokens. Models that do not split their sequence yet refuse anything but {@link SequenceParallel#NONE}.
   */
  default Tensor forward(ForwardInputs inputs, BlockStackHook hook, SequenceParallel sequence) {
    if (sequence.size() == 1) {
      return forward(inputs, hook);
    }
    throw new IllegalArgumentException(className() + ": sequence parallelism (--parallel ulysses) is not supported for this model yet");
  }

  /**
   * Random inputs for speed and memory measurements, with their FLOP counts.
   *
   * @param latentShape the VAE latent without the batch: (C, F, H, W) for video models, (C, H, W)
   *     for image models
   * @param textTokens the length of the made-up text conditioning
   * @throws IllegalArgumentException when the shape does not fit the model, or the model has none
   */
  default ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    throw new IllegalArgumentException(className() + ": bench does not support this model yet");
  }

  /** The latent {@code bench} measures by default (a typical generation: 480p × 81 frames, 1024²). */
  default List<Long> typicalLatentShape() {
    throw new IllegalArgumentException(className() + ": bench does not support this model yet");
  }

  /** The text length {@code bench} conditions on by default: what the family's pipeline encodes prompts to (Wan2.1: 512). */
  default int typicalTextTokens() {
    return 512;
  }

  /** The smallest latent the model takes: one token after patching, for the host-bound step. */
  default List<Long> oneTokenLatentShape() {
    throw new IllegalArgumentException(className() + ": bench does not support this model yet");
  }

  @Override
  void close();
}
