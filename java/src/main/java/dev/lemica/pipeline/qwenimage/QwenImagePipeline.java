package dev.lemica.pipeline.qwenimage;

import dev.lemica.cache.CachePolicy;
import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.qwenimage.QwenImageConfig;
import dev.lemica.model.qwenimage.QwenImageTransformer;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.LazyComponent;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.PackedImageLatents;
import dev.lemica.pipeline.PackedImagePipeline;
import dev.lemica.pipeline.Residency;
import dev.lemica.pipeline.SamplingResult;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.NormRescaledGuidance;
import dev.lemica.sampling.Parallelism;
import dev.lemica.sampling.StepListener;
import dev.lemica.text.qwen.QwenPromptEmbeddings;
import dev.lemica.text.qwen.QwenTextEncoder;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.wan.WanVaeConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code QwenImagePipeline} (text-to-image, pipeline_qwenimage.py): the Qwen2.5-VL
 * language model on the templated prompt (system part dropped, masked, zero-padded), the Qwen-Image
 * transformer on packed latents under true CFG with the norm rescale ({@link NormRescaledGuidance};
 * one cached residual per branch), flow-match Euler with the shift from the image size, and the
 * Qwen-Image VAE after its latents_mean / latents_std de-normalisation.
 *
 * <p>As in diffusers, true CFG runs only with a negative prompt and a scale above 1; a single
 * negative prompt for the batch is encoded once, as one row (diffusers' str case).
 */
public final class QwenImagePipeline extends PackedImagePipeline {
  public static final String CLASS_NAME = "QwenImagePipeline";
  /** Defaults of diffusers' QwenImagePipeline.__call__ (true_cfg_scale is this port's --guidance). */
  public static final int DEFAULT_STEPS = 50;
  public static final double DEFAULT_GUIDANCE = 4.0;
  public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;
  /** check_inputs raises above this. */
  public static final int MAX_SEQUENCE_LENGTH = 1024;
  private static final String TEXT = QwenImageTransformer.ENCODER_HIDDEN_STATES;
  private static final String MASK = QwenImageTransformer.ENCODER_HIDDEN_STATES_MASK;

  private final HfTokenizer tokenizer;
  private final LazyComponent<QwenTextEncoder> textEncoder;

  private QwenImagePipeline(ModelIndex index, ComputeTarget target, Residency residency) {
    super(index, target, residency, checkedLayout(index), List.of("text_encoder"));
    tokenizer = HfTokenizer.load(index.folderOf("tokenizer"));
    Path textFolder = index.folderOf("text_encoder");
    textEncoder = new LazyComponent<>(() -> QwenTextEncoder.load(textFolder, target.textEncoders()), residency);
  }

  /** The component classes QwenImagePipeline takes, and the packing its transformer and VAE configs imply. */
  private static PackedImageLatents checkedLayout(ModelIndex index) {
    index.expectClass("transformer", QwenImageConfig.CLASS_NAME);
    index.expectClass("text_encoder", "Qwen2_5_VLForConditionalGeneration");
    index.expectClass("vae", WanVaeConfig.QWEN_IMAGE);
    index.require("tokenizer");
    index.require("scheduler");
    QwenImageConfig transformer = QwenImageConfig.from(ModelConfig.read(index.folderOf("transformer").resolve("config.json")));
    ModelConfig vaeModelConfig = ModelConfig.read(index.folderOf("vae").resolve("config.json"));
    WanVaeConfig vae = WanVaeConfig.from(vaeModelConfig);
    // The pipeline's vae_scale_factor is 2^len(temperal_downsample); with the VAE's spatial factor
    // 2^(len(dim_mult) - 1) it agrees for every released config (8), and the latter is what decodes.
    return new PackedImageLatents(CLASS_NAME, vae.spatialFactor(), transformer.inChannels(), vae.zDim(), vaeModelConfig.file());
  }

  /** The pipeline of a diffusers folder whose model_index.json names QwenImagePipeline; frees each component after use. */
  public static QwenImagePipeline open(ModelIndex index, ComputeTarget target) {
    return new QwenImagePipeline(index, target, Residency.RELEASE_AFTER_USE);
  }

  public static QwenImagePipeline open(ModelIndex index, ComputeTarget target, Residency residency) {
    return new QwenImagePipeline(index, target, residency);
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  /**
   * diffusers' defaults (1024x1024, 50 steps, true_cfg_scale 4, 512 text tokens) and checks. Without
   * a negative prompt diffusers runs no CFG whatever the scale (and warns); so does this: the
   * settings then carry guidance 1.
   */
  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    int[] size = latents.size(r, folder());
    int maxLength = r.maxSequenceLength() != null ? r.maxSequenceLength() : DEFAULT_MAX_SEQUENCE_LENGTH;
    if (maxLength < 1 || maxLength > MAX_SEQUENCE_LENGTH) {
      throw new IllegalArgumentException("--max-sequence-length must be 1 to " + MAX_SEQUENCE_LENGTH + " for " + CLASS_NAME + ", got " + maxLength);
    }
    double scale = r.guidance() != null ? r.guidance() : DEFAULT_GUIDANCE;
    boolean negative = r.negativePrompts() != null;
    if (!negative && scale > 1.0) {
      Warnings.warn(
          "no --negative-prompt: " + CLASS_NAME + " runs true CFG (scale " + scale + ") only with one, so this run has none"
              + " (Qwen-Image's examples pass --negative-prompt \" \")");
      scale = 1.0;
    } else if (negative && scale <= 1.0) {
      Warnings.warn("--negative-prompt is unused: true CFG needs --guidance above 1, got " + scale);
    }
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(r.negativePrompts(), r.prompts().size(), ""),
        size[0], size[1], 1,
        r.steps() != null ? r.steps() : DEFAULT_STEPS,
        scale,
        latents.shift(r, schedulerConfig), maxLength);
  }

  @Override
  public Guidance guidance(GenerationSettings s) {
    return s.guidance() > 1.0 ? new NormRescaledGuidance(s.guidance()) : Guidance.none();
  }

  /**
   * encode_prompt for the prompts and, under CFG, the negative prompts (one row when they are all
   * the same, as diffusers encodes a str); both branches carry a mask (all ones where diffusers
   * passes None: the transformer attends the same) and img_shapes [1, H/16, W/16].
   */
  @Override
  public Conditioning encode(GenerationSettings s) {
    return textEncoder.use(encoder -> {
      QwenPromptEmbeddings.Embeddings cond = QwenPromptEmbeddings.embed(tokenizer, encoder, s.prompts(), s.maxSequenceLength());
      QwenPromptEmbeddings.Embeddings uncond = cond;
      if (guidance(s).guided()) {
        List<String> negatives = new HashSet<>(s.negativePrompts()).size() == 1 ? s.negativePrompts().subList(0, 1) : s.negativePrompts();
        uncond = QwenPromptEmbeddings.embed(tokenizer, encoder, negatives, s.maxSequenceLength());
      }
      long[] grid = latents.grid(s);
      Tensor shapes = Tensors.fromLongs(new long[] {1, grid[0], grid[1]}, 1, 3);
      return new Conditioning(branch(cond, shapes), branch(uncond, shapes));
    });
  }

  private Map<String, Tensor> branch(QwenPromptEmbeddings.Embeddings e, Tensor shapes) {
    return Map.of(TEXT, e.embeds().to(target.dtype()), MASK, e.mask(), QwenImageTransformer.IMG_SHAPES, shapes);
  }

  /**
   * The two branches' texts have lengths (and often batch sizes) of their own, so they cannot be
   * one batched forward: BATCHED becomes SEPARATE then. (Every shorter overload of sample ends
   * here.)
   */
  @Override
  public SamplingResult sample(
      Conditioning conditioning, Tensor noise, GenerationSettings settings, CachePolicy policy,
      GuidedDenoiser.Branches branches, Parallelism parallel, StepListener listener, dev.lemica.sampling.NoiseSource stepNoise) {
    boolean sameShape = Tensors.sameShape(conditioning.cond().get(TEXT), conditioning.uncond().get(TEXT));
    GuidedDenoiser.Branches usable = branches == GuidedDenoiser.Branches.BATCHED && !sameShape ? GuidedDenoiser.Branches.SEPARATE : branches;
    return super.sample(conditioning, noise, settings, policy, usable, parallel, listener, stepNoise);
  }

  @Override
  protected void closeText() {
    tokenizer.close();
    textEncoder.close();
  }
}
