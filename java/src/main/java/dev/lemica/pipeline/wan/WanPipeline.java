package dev.lemica.pipeline.wan;

import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.wan.WanConfig;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.Residency;
import dev.lemica.pipeline.T5PipelineComponents;
import dev.lemica.pipeline.VideoSizes;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.SchedulerConfig;
import dev.lemica.sampling.Schedulers;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.text.t5.T5PromptEmbeddings;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code WanPipeline} (Wan2.1 text-to-video, pipeline_wan.py): UMT5 prompt embeddings
 * trimmed to each prompt's length and zero-padded, the Wan transformer under classifier-free
 * guidance (one cached residual per branch), the sampler the folder's scheduler config names
 * (UniPC for the released models), and the Wan VAE after WanPipeline's de-normalisation.
 *
 * <p>Everything a run needs is checked when the folder opens (component classes, configs, weight
 * headers, the tokenizer), so a broken folder fails before any work. Weights load when their phase
 * starts and, by default, are freed when it ends: the 5.7B text encoder is gone before the
 * transformer loads, the transformer before the VAE.
 */
public final class WanPipeline implements DiffusionPipeline {
  public static final String CLASS_NAME = "WanPipeline";
  /** Defaults of diffusers' WanPipeline.__call__. */
  public static final int DEFAULT_HEIGHT = 480;
  public static final int DEFAULT_WIDTH = 832;
  public static final int DEFAULT_FRAMES = 81;
  public static final int DEFAULT_STEPS = 50;
  public static final double DEFAULT_GUIDANCE = 5.0;
  public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;
  /** The frame rate diffusers' Wan examples export with. */
  public static final int FPS = 16;
  private static final String TEXT = "encoder_hidden_states";

  private final ModelIndex index;
  private final ComputeTarget target;
  private final WanConfig transformerConfig;
  private final int temporalFactor;
  private final int spatialFactor;
  private final SchedulerConfig schedulerConfig;
  private final T5PipelineComponents components;

  private WanPipeline(ModelIndex index, ComputeTarget target, Residency residency) {
    this.index = index;
    this.target = target;
    rejectWan22(index);
    index.expectClass("transformer", WanConfig.CLASS_NAME);
    index.expectClass("text_encoder", "UMT5EncoderModel", "T5EncoderModel");
    index.expectClass("vae", "AutoencoderKLWan");
    index.require("tokenizer");
    index.require("scheduler");
    Path transformerFolder = index.folderOf("transformer");
    transformerConfig = WanConfig.from(ModelConfig.read(transformerFolder.resolve("config.json")));
    ModelConfig vaeConfig = ModelConfig.read(index.folderOf("vae").resolve("config.json"));
    temporalFactor = vaeConfig.requirePositiveInt("scale_factor_temporal");
    spatialFactor = vaeConfig.requirePositiveInt("scale_factor_spatial");
    int zDim = vaeConfig.requirePositiveInt("z_dim");
    if (zDim != transformerConfig.inChannels()) {
      throw new IllegalArgumentException(
          vaeConfig.file() + ": z_dim " + zDim + " does not match the transformer's in_channels " + transformerConfig.inChannels());
    }
    schedulerConfig = SchedulerConfig.read(index.folderOf("scheduler").resolve("scheduler_config.json"));
    Schedulers.fromConfig(schedulerConfig, DEFAULT_STEPS, SamplingContext.NONE); // class and options, now
    components = T5PipelineComponents.open(index, target, residency);
  }

  /** The pipeline of a diffusers folder whose model_index.json names WanPipeline; frees each component after use. */
  public static WanPipeline open(ModelIndex index, ComputeTarget target) {
    return new WanPipeline(index, target, Residency.RELEASE_AFTER_USE);
  }

  public static WanPipeline open(ModelIndex index, ComputeTarget target, Residency residency) {
    return new WanPipeline(index, target, residency);
  }

  /** Wan2.2's two-expert and TI2V variants share the class name; they are not ported. */
  private static void rejectWan22(ModelIndex index) {
    var json = index.json();
    if (json.hasNonNull("boundary_ratio") || index.component("transformer_2").isPresent()) {
      throw new IllegalArgumentException(
          index.file() + ": boundary_ratio / transformer_2 are set: Wan2.2's two-expert pipelines are not supported (Wan2.1 only)");
    }
    if (json.path("expand_timesteps").asBoolean(false)) {
      throw new IllegalArgumentException(index.file() + ": expand_timesteps is true (Wan2.2 TI2V): not supported (Wan2.1 only)");
    }
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public Path folder() {
    return index.folder();
  }

  @Override
  public ComputeTarget target() {
    return target;
  }

  @Override
  public int fps() {
    return FPS;
  }

  /**
   * diffusers' defaults and checks: height and width must be multiples of the VAE factor times the
   * patch size (check_inputs raises otherwise), a frame count not of the form 1 + 4k is rounded down
   * to it (with a warning, as WanPipeline does).
   */
  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    int height = r.height() != null ? r.height() : DEFAULT_HEIGHT;
    int width = r.width() != null ? r.width() : DEFAULT_WIDTH;
    VideoSizes.checkMultiples(height, width, spatialFactor, transformerConfig.patchH(), transformerConfig.patchW(), folder());
    int frames = r.frames() != null ? r.frames() : DEFAULT_FRAMES;
    if (frames < 1) {
      throw new IllegalArgumentException("--frames must be at least 1, got " + frames);
    }
    if (frames % temporalFactor != 1 % temporalFactor) {
      int rounded = Math.max(1, frames / temporalFactor * temporalFactor + 1);
      Warnings.warn("--frames " + frames + ": Wan makes 1 + " + temporalFactor + "k frames; using " + rounded + " as WanPipeline does");
      frames = rounded;
    }
    int maxLength = r.maxSequenceLength() != null ? r.maxSequenceLength() : DEFAULT_MAX_SEQUENCE_LENGTH;
    if (maxLength < 1) {
      throw new IllegalArgumentException("--max-sequence-length must be at least 1, got " + maxLength);
    }
    double shift = r.shift() != null ? r.shift() : Schedulers.shiftOf(schedulerConfig);
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(r.negativePrompts(), r.prompts().size(), ""),
        height, width, frames,
        r.steps() != null ? r.steps() : DEFAULT_STEPS,
        r.guidance() != null ? r.guidance() : DEFAULT_GUIDANCE,
        shift, maxLength);
  }

  @Override
  public long[] noiseShape(GenerationSettings s) {
    return new long[] {
      s.batch(), transformerConfig.inChannels(), (s.frames() - 1) / temporalFactor + 1, s.height() / spatialFactor, s.width() / spatialFactor
    };
  }

  /** The folder's scheduler for these settings (with --shift applied where given). */
  @Override
  public Sampler sampler(GenerationSettings s) {
    SchedulerConfig config = schedulerConfig;
    if (!Double.isNaN(s.shift()) && s.shift() != Schedulers.shiftOf(schedulerConfig)) {
      config = Schedulers.withShift(schedulerConfig, s.shift());
    }
    return Schedulers.fromConfig(config, s.steps(), SamplingContext.NONE);
  }

  /** diffusers runs the unconditional branch only when guidance_scale > 1. */
  private static boolean guided(GenerationSettings s) {
    return s.guidance() > 1.0;
  }

  @Override
  public Guidance guidance(GenerationSettings s) {
    return guided(s) ? Guidance.classifierFree(s.guidance()) : Guidance.none();
  }

  @Override
  public <R> R withTransformer(java.util.function.Function<DiffusionTransformer, R> work) {
    return components.withTransformer(work);
  }

  @Override
  public Conditioning encode(GenerationSettings s) {
    return components.withTextEncoder(encoder -> {
      Tensor cond = T5PromptEmbeddings.trimmedAndZeroPadded(components.tokenizer(), encoder, s.prompts(), s.maxSequenceLength());
      Tensor uncond = guided(s) ? T5PromptEmbeddings.trimmedAndZeroPadded(components.tokenizer(), encoder, s.negativePrompts(), s.maxSequenceLength()) : cond;
      return new Conditioning(Map.of(TEXT, cond.to(target.dtype())), Map.of(TEXT, uncond.to(target.dtype())));
    });
  }

  @Override
  public Conditioning conditioning(PromptEmbeddings embeddings) {
    return new Conditioning(Map.of(TEXT, embeddings.cond()), Map.of(TEXT, embeddings.uncond()));
  }

  @Override
  public Tensor decode(Tensor latents, GenerationSettings s) {
    return components.withVae(v -> v.decodeNormalized(latents));
  }

  @Override
  public void close() {
    components.close();
  }
}
