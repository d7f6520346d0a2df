package dev.lemica.pipeline.cogvideox;

import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.cogvideox.CogVideoXConfig;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.FolderScheduler;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.Residency;
import dev.lemica.pipeline.T5PipelineComponents;
import dev.lemica.pipeline.VideoSizes;
import dev.lemica.sampling.DynamicGuidance;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.Sampler;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.text.t5.T5PromptEmbeddings;
import dev.lemica.vae.cogvideox.AutoencoderKLCogVideoX;
import dev.lemica.vae.cogvideox.CogVideoXTiling;
import dev.lemica.vae.cogvideox.CogVideoXVaeConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code CogVideoXPipeline} (pipeline_cogvideox.py) for CogVideoX 1.5 text-to-video: T5
 * embeddings of the prompts as given, padded to max_sequence_length and encoded without a mask; the
 * transformer on latents held frames first (B, F, C, h, w), with the latent frames padded in front to
 * a multiple of patch_size_t as the pipeline pads them; classifier-free guidance with the
 * timestep-dependent scale of {@code use_dynamic_cfg} (see {@link #open(ModelIndex, ComputeTarget,
 * Residency, boolean)}); the folder's scheduler (CogVideoXDDIMScheduler for the released 1.5
 * folder); the padding frames dropped and AutoencoderKLCogVideoX decoding after
 * {@code 1 / scaling_factor}, tiled and sliced as THUDM's CLI decodes CogVideoX 1.5 (only latents
 * larger than a tile are tiled: 1360 × 768 is, the golden's sizes are not).
 *
 * <p>The folder is checked when it opens (component classes, configs, weight headers, tokenizer,
 * scheduler), components load when their phase starts and are freed after it by default, as in
 * {@link dev.lemica.pipeline.wan.WanPipeline}.
 */
public final class CogVideoXPipeline implements DiffusionPipeline {
  public static final String CLASS_NAME = "CogVideoXPipeline";
  /** Defaults of diffusers' CogVideoXPipeline.__call__ (sizes come from the transformer config). */
  public static final int DEFAULT_STEPS = 50;
  public static final double DEFAULT_GUIDANCE = 6.0;
  public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 226;
  /** The frame rate THUDM's CogVideo CLI exports CogVideoX 1.5 videos at. */
  public static final int FPS = 16;
  private static final String TEXT = "encoder_hidden_states";

  private final ModelIndex index;
  private final ComputeTarget target;
  private final boolean dynamicCfg;
  private final boolean vaeTiling;
  private final CogVideoXConfig transformerConfig;
  private final int sampleFrames;
  private final int temporalFactor;
  private final int spatialFactor;
  private final FolderScheduler scheduler;
  private final T5PipelineComponents components;

  private CogVideoXPipeline(ModelIndex index, ComputeTarget target, Residency residency, boolean dynamicCfg, boolean vaeTiling) {
    this.index = index;
    this.target = target;
    this.dynamicCfg = dynamicCfg;
    this.vaeTiling = vaeTiling;
    index.expectClass("transformer", CogVideoXConfig.CLASS_NAME);
    index.expectClass("text_encoder", "T5EncoderModel");
    index.expectClass("vae", AutoencoderKLCogVideoX.CLASS_NAME);
    index.require("tokenizer");
    index.require("scheduler");
    Path transformerFolder = index.folderOf("transformer");
    ModelConfig transformerJson = ModelConfig.read(transformerFolder.resolve("config.json"));
    transformerConfig = CogVideoXConfig.from(transformerJson);
    sampleFrames = transformerJson.requirePositiveInt("sample_frames");
    CogVideoXVaeConfig vaeConfig = CogVideoXVaeConfig.from(ModelConfig.read(index.folderOf("vae").resolve("config.json")));
    temporalFactor = vaeConfig.temporalFactor();
    spatialFactor = vaeConfig.spatialFactor();
    if (vaeConfig.latentChannels() != transformerConfig.inChannels()) {
      throw new IllegalArgumentException(
          index.folderOf("vae").resolve("config.json") + ": latent_channels " + vaeConfig.latentChannels()
              + " does not match the transformer's in_channels " + transformerConfig.inChannels());
    }
    if (vaeTiling) {
      checkDefaultTiles(vaeConfig);
    }
    scheduler = FolderScheduler.of(index, DEFAULT_STEPS);
    components = T5PipelineComponents.open(index, target, residency);
  }

  /**
   * The pipeline of a folder whose model_index.json names CogVideoXPipeline, with dynamic CFG on
   * (how CogVideoX 1.5 is sampled by THUDM's CLI and by TeaCache4CogVideoX1.5, and by the golden of
   * this port; diffusers' own default is off) and the VAE's tiling and slicing on (THUDM's CLI calls
   * {@code enable_slicing()} and {@code enable_tiling()}; diffusers' default is off); frees each
   * component after use.
   */
  public static CogVideoXPipeline open(ModelIndex index, ComputeTarget target) {
    return new CogVideoXPipeline(index, target, Residency.RELEASE_AFTER_USE, true, true);
  }

  /** @param dynamicCfg CogVideoXPipeline's {@code use_dynamic_cfg}; the VAE tiles and slices. */
  public static CogVideoXPipeline open(ModelIndex index, ComputeTarget target, Residency residency, boolean dynamicCfg) {
    return new CogVideoXPipeline(index, target, residency, dynamicCfg, true);
  }

  /**
   * @param dynamicCfg CogVideoXPipeline's {@code use_dynamic_cfg}
   * @param vaeTiling decode with the VAE's {@code enable_tiling()} and {@code enable_slicing()} (diffusers'
   *     defaults, tiles of half the VAE config's sample size), which tile only latents larger than a tile
   */
  public static CogVideoXPipeline open(ModelIndex index, ComputeTarget target, Residency residency, boolean dynamicCfg, boolean vaeTiling) {
    return new CogVideoXPipeline(index, target, residency, dynamicCfg, vaeTiling);
  }

  /** A folder whose sample size makes tiles that do not add up to the video fails here, before sampling. */
  private static void checkDefaultTiles(CogVideoXVaeConfig vae) {
    try {
      CogVideoXTiling.checkedDefaults(vae);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + "; --no-vae-tiling decodes untiled", e);
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

  /** Whether the VAE decodes with tiling and slicing (enable_tiling, enable_slicing). */
  public boolean vaeTiling() {
    return vaeTiling;
  }

  /** Whether the guidance scale follows the timestep (use_dynamic_cfg). */
  public boolean dynamicCfg() {
    return dynamicCfg;
  }

  /**
   * diffusers' defaults (sizes from the transformer config: sample_height and sample_width times
   * the VAE factor, sample_frames) and checks: height and width multiples of the VAE factor times
   * the patch size, within the rotary table of the transformer (sample size); frames of the form
   * 1 + 4k (others are rounded down, with a warning: the pipeline makes that many anyway).
   */
  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    int height = r.height() != null ? r.height() : transformerConfig.sampleHeight() * spatialFactor;
    int width = r.width() != null ? r.width() : transformerConfig.sampleWidth() * spatialFactor;
    VideoSizes.checkMultiples(height, width, spatialFactor, transformerConfig.patchSize(), transformerConfig.patchSize(), folder());
    int multiple = spatialFactor * transformerConfig.patchSize();
    int rows = height / multiple;
    int columns = width / multiple;
    if (rows > transformerConfig.maxGridRows() || columns > transformerConfig.maxGridColumns()) {
      throw new IllegalArgumentException(
          "--height " + height + " --width " + width + ": at most " + transformerConfig.maxGridRows() * multiple + "x"
              + transformerConfig.maxGridColumns() * multiple + " (height x width) for " + folder()
              + ": the transformer's rotary table covers sample_height x sample_width latent pixels");
    }
    int frames = r.frames() != null ? r.frames() : sampleFrames;
    if (frames < 1) {
      throw new IllegalArgumentException("--frames must be at least 1, got " + frames);
    }
    int latentFrames = (frames - 1) / temporalFactor + 1;
    int made = latentFrames % 2 == 1 ? 1 + temporalFactor * (latentFrames - 1) : temporalFactor * latentFrames;
    if (made != frames) {
      Warnings.warn("--frames " + frames + ": CogVideoXPipeline makes " + latentFrames + " latent frames of it, which AutoencoderKLCogVideoX decodes to " + made + " frames");
      frames = made;
    }
    int maxLength = r.maxSequenceLength() != null ? r.maxSequenceLength() : DEFAULT_MAX_SEQUENCE_LENGTH;
    if (maxLength < 1) {
      throw new IllegalArgumentException("--max-sequence-length must be at least 1, got " + maxLength);
    }
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(r.negativePrompts(), r.prompts().size(), ""),
        height, width, frames,
        r.steps() != null ? r.steps() : DEFAULT_STEPS,
        r.guidance() != null ? r.guidance() : DEFAULT_GUIDANCE,
        scheduler.shift(r.shift()), maxLength);
  }

  /** Latent frames of the video, before the padding. */
  private int latentFrames(GenerationSettings s) {
    return (s.frames() - 1) / temporalFactor + 1;
  }

  /** CogVideoX 1.5 pads the latent frames in front to a multiple of patch_size_t (pipeline_cogvideox.py 682-687). */
  public int paddingFrames(GenerationSettings s) {
    int remainder = latentFrames(s) % transformerConfig.patchSizeT();
    return remainder == 0 ? 0 : transformerConfig.patchSizeT() - remainder;
  }

  /** (B, F + padding, C, h, w): frames first, padding frames included, as prepare_latents draws them. */
  @Override
  public long[] noiseShape(GenerationSettings s) {
    return new long[] {
      s.batch(), latentFrames(s) + paddingFrames(s), transformerConfig.inChannels(), s.height() / spatialFactor, s.width() / spatialFactor
    };
  }

  @Override
  public Sampler sampler(GenerationSettings s) {
    return scheduler.sampler(s);
  }

  /** diffusers decides on the base scale: the unconditional branch runs only when guidance_scale > 1. */
  @Override
  public Guidance guidance(GenerationSettings s) {
    if (s.guidance() <= 1.0) {
      return Guidance.none();
    }
    return dynamicCfg ? new DynamicGuidance(s.guidance(), s.steps()) : Guidance.classifierFree(s.guidance());
  }

  @Override
  public <R> R withTransformer(Function<DiffusionTransformer, R> work) {
    return components.withTransformer(work);
  }

  /** encode_prompt: the prompts and the negative prompts (default "") as given, unmasked, every row kept. */
  @Override
  public Conditioning encode(GenerationSettings s) {
    boolean guided = guidance(s).guided();
    return components.withTextEncoder(encoder -> {
      Tensor cond = T5PromptEmbeddings.unmasked(components.tokenizer(), encoder, s.prompts(), s.maxSequenceLength());
      Tensor uncond = guided ? T5PromptEmbeddings.unmasked(components.tokenizer(), encoder, s.negativePrompts(), s.maxSequenceLength()) : cond;
      return new Conditioning(Map.of(TEXT, cond.to(target.dtype())), Map.of(TEXT, uncond.to(target.dtype())));
    });
  }

  @Override
  public Conditioning conditioning(PromptEmbeddings embeddings) {
    return new Conditioning(Map.of(TEXT, embeddings.cond()), Map.of(TEXT, embeddings.uncond()));
  }

  /** Drops the padding frames ({@code latents[:, additional_frames:]}), then decode_latents. */
  @Override
  public Tensor decode(Tensor latents, GenerationSettings s) {
    int padding = paddingFrames(s);
    Tensor video = latents.narrow(1, padding, latents.size(1) - padding);
    return components.withVae(v -> {
      configure((AutoencoderKLCogVideoX) v);
      return v.decodeNormalized(v.pipelineLayout().toVae(video, v));
    });
  }

  /** The VAE as this pipeline decodes: tiled and sliced, or neither (it may be kept between runs, so both are set). */
  public void configure(AutoencoderKLCogVideoX vae) {
    if (vaeTiling) {
      vae.enableTiling();
      vae.enableSlicing();
    } else {
      vae.disableTiling();
      vae.disableSlicing();
    }
  }

  @Override
  public void close() {
    components.close();
  }
}
