package dev.lemica.pipeline.latte;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.latte.LatteConfig;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.FolderScheduler;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.Residency;
import dev.lemica.pipeline.T5PipelineComponents;
import dev.lemica.pipeline.VideoSizes;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.Sampler;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.vae.kl.AutoencoderKL;
import dev.lemica.vae.kl.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code LattePipeline} (pipeline_latte.py, text-to-video): T5 embeddings of the
 * lowercased, stripped prompts with their mask and Latte's mask_feature ({@link
 * LattePromptEmbeddings}); the Latte transformer with temporal attention on latents (B, C, F, h, w),
 * under classifier-free guidance, its learned-sigma channels dropped
 * ({@link dev.lemica.model.latte.LatteTransformer#prediction}); the folder's scheduler (DDIMScheduler);
 * the 2D AutoencoderKL decoding every frame after {@code 1 / scaling_factor}, decode_chunk_size
 * frames per call.
 *
 * <p>{@code clean_caption} (diffusers' default True) runs PixArt's caption cleaner when bs4 and ftfy
 * are installed; it is not ported: prompts get what diffusers does without them, lower() and
 * strip(). The folder is checked when it opens; components load per phase and are freed after it
 * by default, as in {@link dev.lemica.pipeline.wan.WanPipeline}.
 */
public final class LattePipeline implements DiffusionPipeline {
  public static final String CLASS_NAME = "LattePipeline";
  /** Defaults of diffusers' LattePipeline.__call__ (frames: the transformer's video_length, the only count it takes besides 1). */
  public static final int DEFAULT_HEIGHT = 512;
  public static final int DEFAULT_WIDTH = 512;
  public static final int DEFAULT_STEPS = 50;
  public static final double DEFAULT_GUIDANCE = 7.5;
  public static final int DECODE_CHUNK_SIZE = 14;
  /** The frame rate of Latte's own sampling scripts (sample/sample_t2v.py writes at fps 8). */
  public static final int FPS = 8;
  private static final String TEXT = "encoder_hidden_states";

  private final ModelIndex index;
  private final ComputeTarget target;
  private final LatteConfig transformerConfig;
  private final int spatialFactor;
  private final FolderScheduler scheduler;
  private final T5PipelineComponents components;

  private LattePipeline(ModelIndex index, ComputeTarget target, Residency residency) {
    this.index = index;
    this.target = target;
    index.expectClass("transformer", LatteConfig.CLASS_NAME);
    index.expectClass("text_encoder", "T5EncoderModel");
    index.expectClass("vae", AutoencoderKL.CLASS_NAME);
    index.require("tokenizer");
    index.require("scheduler");
    Path transformerFolder = index.folderOf("transformer");
    transformerConfig = LatteConfig.from(ModelConfig.read(transformerFolder.resolve("config.json")));
    Path vaeConfigFile = index.folderOf("vae").resolve("config.json");
    ModelConfig vaeJson = ModelConfig.read(vaeConfigFile);
    if (!vaeJson.className().equals(AutoencoderKL.CLASS_NAME)) {
      throw new IllegalArgumentException(vaeConfigFile + ": _class_name '" + vaeJson.className() + "', expected " + AutoencoderKL.CLASS_NAME);
    }
    AutoencoderKLConfig vaeConfig = AutoencoderKLConfig.from(vaeJson);
    spatialFactor = vaeConfig.spatialFactor();
    if (vaeConfig.latentChannels() != transformerConfig.inChannels()) {
      throw new IllegalArgumentException(
          vaeConfigFile + ": latent_channels " + vaeConfig.latentChannels() + " does not match the transformer's in_channels "
              + transformerConfig.inChannels());
    }
    scheduler = FolderScheduler.of(index, DEFAULT_STEPS);
    components = T5PipelineComponents.open(index, target, residency);
  }

  /** The pipeline of a folder whose model_index.json names LattePipeline; frees each component after use. */
  public static LattePipeline open(ModelIndex index, ComputeTarget target) {
    return new LattePipeline(index, target, Residency.RELEASE_AFTER_USE);
  }

  public static LattePipeline open(ModelIndex index, ComputeTarget target, Residency residency) {
    return new LattePipeline(index, target, residency);
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
   * diffusers' defaults and checks: height and width multiples of the VAE factor times the patch
   * size; frames the transformer's video_length (its temporal position table) or 1; 120 text tokens.
   */
  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    int height = r.height() != null ? r.height() : DEFAULT_HEIGHT;
    int width = r.width() != null ? r.width() : DEFAULT_WIDTH;
    VideoSizes.checkMultiples(height, width, spatialFactor, transformerConfig.patchSize(), transformerConfig.patchSize(), folder());
    int videoLength = transformerConfig.videoLength();
    int frames = r.frames() != null ? r.frames() : videoLength;
    if (frames != videoLength && frames != 1) {
      throw new IllegalArgumentException(
          "--frames " + frames + ": " + folder() + " makes " + videoLength + " frames (the transformer's video_length) or 1");
    }
    if (r.maxSequenceLength() != null && r.maxSequenceLength() != LattePromptEmbeddings.MAX_LENGTH) {
      throw new IllegalArgumentException(
          "--max-sequence-length " + r.maxSequenceLength() + ": LattePipeline encodes every prompt to " + LattePromptEmbeddings.MAX_LENGTH + " tokens");
    }
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(r.negativePrompts(), r.prompts().size(), ""),
        height, width, frames,
        r.steps() != null ? r.steps() : DEFAULT_STEPS,
        r.guidance() != null ? r.guidance() : DEFAULT_GUIDANCE,
        scheduler.shift(r.shift()), LattePromptEmbeddings.MAX_LENGTH);
  }

  @Override
  public long[] noiseShape(GenerationSettings s) {
    return new long[] {s.batch(), transformerConfig.inChannels(), s.frames(), s.height() / spatialFactor, s.width() / spatialFactor};
  }

  @Override
  public Sampler sampler(GenerationSettings s) {
    return scheduler.sampler(s);
  }

  /** diffusers runs the unconditional branch only when guidance_scale > 1. */
  @Override
  public Guidance guidance(GenerationSettings s) {
    return s.guidance() > 1.0 ? Guidance.classifierFree(s.guidance()) : Guidance.none();
  }

  @Override
  public <R> R withTransformer(Function<DiffusionTransformer, R> work) {
    return components.withTransformer(work);
  }

  @Override
  public Conditioning encode(GenerationSettings s) {
    boolean guided = guidance(s).guided();
    return components.withTextEncoder(encoder -> {
      Tensor[] text = LattePromptEmbeddings.encode(components.tokenizer(), encoder, s.prompts(), guided ? s.negativePrompts() : null);
      Tensor cond = text[0].to(target.dtype());
      Tensor uncond = guided ? text[1].to(target.dtype()) : cond;
      return new Conditioning(Map.of(TEXT, cond), Map.of(TEXT, uncond));
    });
  }

  @Override
  public Conditioning conditioning(PromptEmbeddings embeddings) {
    return new Conditioning(Map.of(TEXT, embeddings.cond()), Map.of(TEXT, embeddings.uncond()));
  }

  /** decode_latents: {@code 1 / scaling_factor}, then every frame through the 2D VAE, {@link #DECODE_CHUNK_SIZE} per call. */
  @Override
  public Tensor decode(Tensor latents, GenerationSettings s) {
    return components.withVae(v -> ((AutoencoderKL) v).decode(v.denormalize(latents), DECODE_CHUNK_SIZE));
  }

  @Override
  public void close() {
    components.close();
  }
}
