package dev.lemica.pipeline.flux;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.flux.FluxConfig;
import dev.lemica.model.flux.FluxTransformer;
import dev.lemica.model.mmdit.PackedLatents;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.LazyComponent;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.PackedImageLatents;
import dev.lemica.pipeline.PackedImagePipeline;
import dev.lemica.pipeline.Residency;
import dev.lemica.sampling.Guidance;
import dev.lemica.text.clip.CLIPTextEncoder;
import dev.lemica.text.clip.ClipPromptEmbeddings;
import dev.lemica.text.t5.T5Encoder;
import dev.lemica.text.t5.T5PromptEmbeddings;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.vae.kl.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * diffusers' {@code FluxPipeline} (FLUX.1 text-to-image, pipeline_flux.py) as FLUX.1-dev runs it:
 * CLIP's pooled output and T5's last hidden states (both without attention masks, every T5 position
 * kept), the FLUX transformer on packed latents with the guidance embedding (guidance-distilled: one
 * branch, no CFG, one cached residual), flow-match Euler with the shift from the image size, and the
 * AutoencoderKL after {@code latents / scaling_factor + shift_factor}.
 *
 * <p>Each component loads when its phase starts and by default is freed when it ends: the 4.7B
 * T5-XXL is gone before the 12B transformer loads.
 */
public final class FluxPipeline extends PackedImagePipeline {
  public static final String CLASS_NAME = "FluxPipeline";
  /** Defaults of diffusers' FluxPipeline.__call__. */
  public static final int DEFAULT_STEPS = 28;
  public static final double DEFAULT_GUIDANCE = 3.5;
  public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;
  /** check_inputs raises above this. */
  public static final int MAX_SEQUENCE_LENGTH = 512;

  private final FluxConfig transformerConfig;
  private final HfTokenizer clipTokenizer;
  private final HfTokenizer t5Tokenizer;
  private final LazyComponent<CLIPTextEncoder> clip;
  private final LazyComponent<T5Encoder> t5;

  private FluxPipeline(ModelIndex index, ComputeTarget target, Residency residency) {
    super(index, target, residency, checkedLayout(index), List.of("text_encoder", "text_encoder_2"));
    transformerConfig = FluxConfig.from(ModelConfig.read(index.folderOf("transformer").resolve("config.json")));
    clipTokenizer = HfTokenizer.load(index.folderOf("tokenizer"));
    t5Tokenizer = HfTokenizer.load(index.folderOf("tokenizer_2"));
    Path clipFolder = index.folderOf("text_encoder");
    clip = new LazyComponent<>(() -> CLIPTextEncoder.load(clipFolder, target.textEncoders()), residency);
    Path t5Folder = index.folderOf("text_encoder_2");
    t5 = new LazyComponent<>(() -> T5Encoder.load(t5Folder, target.textEncoders()), residency);
  }

  /** The component classes FluxPipeline takes, and the packing its transformer and VAE configs imply. */
  private static PackedImageLatents checkedLayout(ModelIndex index) {
    index.expectClass("transformer", FluxConfig.CLASS_NAME);
    index.expectClass("text_encoder", "CLIPTextModel");
    index.expectClass("text_encoder_2", "T5EncoderModel");
    index.expectClass("vae", "AutoencoderKL");
    index.require("tokenizer");
    index.require("tokenizer_2");
    index.require("scheduler");
    FluxConfig transformer = FluxConfig.from(ModelConfig.read(index.folderOf("transformer").resolve("config.json")));
    ModelConfig vaeModelConfig = ModelConfig.read(index.folderOf("vae").resolve("config.json"));
    AutoencoderKLConfig vae = AutoencoderKLConfig.from(vaeModelConfig);
    return new PackedImageLatents(CLASS_NAME, vae.spatialFactor(), transformer.inChannels(), vae.latentChannels(), vaeModelConfig.file());
  }

  /** The pipeline of a diffusers folder whose model_index.json names FluxPipeline; frees each component after use. */
  public static FluxPipeline open(ModelIndex index, ComputeTarget target) {
    return new FluxPipeline(index, target, Residency.RELEASE_AFTER_USE);
  }

  public static FluxPipeline open(ModelIndex index, ComputeTarget target, Residency residency) {
    return new FluxPipeline(index, target, residency);
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  /**
   * diffusers' defaults (1024x1024, 28 steps, guidance 3.5, 512 T5 tokens) and checks. A negative
   * prompt is refused: FLUX.1-dev's guidance is the distilled --guidance input, and this port runs
   * no second branch.
   */
  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    int[] size = latents.size(r, folder());
    if (r.negativePrompts() != null) {
      throw new IllegalArgumentException(
          "--negative-prompt: " + CLASS_NAME + " runs one branch (FLUX.1-dev's guidance is distilled into the --guidance input)");
    }
    int maxLength = r.maxSequenceLength() != null ? r.maxSequenceLength() : DEFAULT_MAX_SEQUENCE_LENGTH;
    if (maxLength < 1 || maxLength > MAX_SEQUENCE_LENGTH) {
      throw new IllegalArgumentException("--max-sequence-length must be 1 to " + MAX_SEQUENCE_LENGTH + " for " + CLASS_NAME + ", got " + maxLength);
    }
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(null, r.prompts().size(), ""),
        size[0], size[1], 1,
        r.steps() != null ? r.steps() : DEFAULT_STEPS,
        r.guidance() != null ? r.guidance() : DEFAULT_GUIDANCE,
        latents.shift(r, schedulerConfig), maxLength);
  }

  /** The guidance scale is an input of the transformer, not a combination of branches. */
  @Override
  public Guidance guidance(GenerationSettings s) {
    return Guidance.none();
  }

  /**
   * encode_prompt and the inputs __call__ builds next to it: pooled CLIP, unmasked T5, text ids
   * (zeros), image ids of the packed grid, and guidance = full(B, g) where the transformer embeds it.
   */
  @Override
  public Conditioning encode(GenerationSettings s) {
    Tensor pooled = clip.use(encoder -> ClipPromptEmbeddings.pooled(clipTokenizer, encoder, s.prompts()));
    Tensor embeds = t5.use(encoder -> T5PromptEmbeddings.unmasked(t5Tokenizer, encoder, s.prompts(), s.maxSequenceLength()));
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put(FluxTransformer.ENCODER_HIDDEN_STATES, embeds.to(target.dtype()));
    inputs.put(FluxTransformer.POOLED_PROJECTIONS, pooled.to(target.dtype()));
    int axes = transformerConfig.axesDimsRope().length;
    inputs.put(FluxTransformer.TXT_IDS, torch.zeros(new long[] {embeds.size(1), axes}, new TensorOptions(ScalarType.Float)));
    long[] grid = latents.grid(s);
    inputs.put(FluxTransformer.IMG_IDS, PackedLatents.imageIds(grid[0], grid[1], axes));
    if (transformerConfig.guidanceEmbeds()) {
      inputs.put(
          FluxTransformer.GUIDANCE,
          torch.full(new long[] {s.batch()}, new Scalar(s.guidance()), new DimnameListOptional(), new TensorOptions(ScalarType.Float)));
    }
    return new Conditioning(inputs, inputs);
  }

  @Override
  protected void closeText() {
    clipTokenizer.close();
    t5Tokenizer.close();
    clip.close();
    t5.close();
  }
}
