package dev.lemica.pipeline.opensora;

import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Models;
import dev.lemica.model.opensora.Stdit3Config;
import dev.lemica.model.opensora.Stdit3Transformer;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.LazyComponent;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.Residency;
import dev.lemica.safetensors.Checkpoints;
import dev.lemica.safetensors.TensorSource;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.RectifiedFlow;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.Schedulers;
import dev.lemica.text.t5.T5Config;
import dev.lemica.text.t5.T5Encoder;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.text.tokenizer.TokenizedBatch;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.kl.AutoencoderKLConfig;
import dev.lemica.vae.opensora.OpenSoraVae;
import dev.lemica.vae.opensora.OpenSoraVaeConfig;
import java.nio.file.Files;
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
 * Open-Sora 1.2 text-to-video as {@code scripts/inference.py} (v1.2.0) runs it with
 * {@code configs/opensora-v1-2/inference/sample.py}: prompts get the aesthetic (and motion, camera)
 * score appended and are cleaned twice ({@code text_preprocessing}), T5 v1.1 encodes them padded to
 * {@code model_max_length} with their attention mask; STDiT3 runs classifier-free guidance against
 * its learned null caption ({@code y_embedder.y_embedding}, masked with the prompt's mask), with the
 * video's pixel height/width and fps as model arguments; RFLOW with the size-dependent timestep
 * transform integrates; the Open-Sora VAE decodes to the frame count asked for.
 *
 * <p>The folder has no model_index.json. It is recognised by its {@code inference.json} (see
 * {@link OpenSoraInferenceConfig}), or, without one, by a {@code transformer/config.json} whose
 * architecture is STDiT3 (then sample.py's settings apply). Layout: {@code transformer/} as
 * hpcai-tech/OpenSora-STDiT-v3, {@code vae/} as hpcai-tech/OpenSora-VAE-v1.2 (its spatial VAE config
 * where {@code vae_2d} says, else the bundled PixArt-Sigma SDXL-VAE config), and the T5 repository
 * (DeepFloyd/t5-v1_1-xxl) as {@code text_encoder/} + {@code tokenizer/}; {@code components} in
 * inference.json may map the hub names elsewhere.
 *
 * <p>Everything is checked when the folder opens; weights load per phase and are freed after it
 * (T5 in float32, as Open-Sora's T5Encoder keeps it; transformer and VAE in the compute dtype).
 */
public final class OpenSoraPipeline implements DiffusionPipeline {
  public static final String CLASS_NAME = "Open-Sora 1.2 (scripts/inference.py)";
  /** IMG_FPS of opensora/datasets: the fps a one-frame (image) run is conditioned on. */
  static final double IMAGE_FPS = 120;
  private static final String NULL_CAPTION = "y_embedder.y_embedding";

  private final Path folder;
  private final ComputeTarget target;
  private final OpenSoraInferenceConfig config;
  private final Stdit3Config transformerConfig;
  private final OpenSoraVaeConfig vaeConfig;
  private final int spatialFactor;
  private final OpenSoraPrompts prompts;
  private final HfTokenizer tokenizer;
  private final LazyComponent<T5Encoder> textEncoder;
  private final LazyComponent<DiffusionTransformer> transformer;
  private final LazyComponent<VideoAutoencoder> vae;

  private OpenSoraPipeline(Path folder, ComputeTarget target, Residency residency) {
    this.folder = folder;
    this.target = target;
    config = OpenSoraInferenceConfig.read(folder);
    Path transformerFolder = requireFolder(config.transformerFolder(), "transformer (STDiT3)");
    ModelConfig modelConfig = ModelConfig.read(transformerFolder.resolve("config.json"));
    if (!modelConfig.className().equals(Stdit3Config.CLASS_NAME)) {
      throw new IllegalArgumentException(modelConfig.file() + ": architectures names '" + modelConfig.className() + "', not STDiT3");
    }
    transformerConfig = Stdit3Config.from(modelConfig);
    // scripts/inference.py passes these to the STDiT3 factory, over config.json.
    if (transformerConfig.modelMaxLength() != config.textMaxLength()) {
      throw new IllegalArgumentException(
          modelConfig.file() + ": model_max_length " + transformerConfig.modelMaxLength() + " but " + config.source()
              + " text_encoder.model_max_length is " + config.textMaxLength() + " (Open-Sora builds STDiT3 with the latter; the null caption has the former's rows)");
    }
    if (transformerConfig.qkNorm() != config.qkNorm()) {
      throw new IllegalArgumentException(
          modelConfig.file() + ": qk_norm " + transformerConfig.qkNorm() + " but " + config.source() + " model.qk_norm is " + config.qkNorm()
              + " (Open-Sora overrides the checkpoint's config with it; make them agree)");
    }
    Path vaeFolder = requireFolder(config.vaeFolder(), "vae (OpenSoraVAE_V1_2)");
    ModelConfig vaeJson = ModelConfig.read(vaeFolder.resolve("config.json"));
    if (!OpenSoraVaeConfig.describes(vaeJson)) {
      throw new IllegalArgumentException(vaeJson.file() + ": not an Open-Sora 1.2 VAE config (architectures VideoAutoencoderPipeline)");
    }
    vaeConfig = OpenSoraVaeConfig.from(vaeJson);
    if (vaeConfig.microFrameSize() != config.microFrameSize()) {
      throw new IllegalArgumentException(
          vaeJson.file() + ": micro_frame_size " + vaeConfig.microFrameSize() + " but " + config.source() + " vae.micro_frame_size is "
              + config.microFrameSize() + " (Open-Sora's factory overrides the config with it; make them agree)");
    }
    if (vaeConfig.temporal().embedDim() != transformerConfig.inChannels()) {
      throw new IllegalArgumentException(
          vaeJson.file() + ": the VAE makes " + vaeConfig.temporal().embedDim() + " latent channels but the transformer's in_channels is "
              + transformerConfig.inChannels());
    }
    spatialFactor = AutoencoderKLConfig.from(OpenSoraVae.spatialConfig(vaeConfig)).spatialFactor();
    Path textFolder = t5Part(config.textFolder(), "text_encoder", "config.json");
    Path tokenizerFolder = t5Part(config.textFolder(), "tokenizer", "tokenizer.json");
    T5Config t5 = T5Config.read(textFolder.resolve("config.json"));
    if (t5.dModel() != transformerConfig.captionChannels()) {
      throw new IllegalArgumentException(
          textFolder.resolve("config.json") + ": d_model " + t5.dModel() + " but the transformer's caption_channels is " + transformerConfig.captionChannels());
    }
    Schedulers.fromConfig(config.schedulerConfig(), config.steps(), context(config.height(), config.width(), config.frames()));
    for (Path weights : List.of(textFolder, transformerFolder, vaeFolder)) {
      Checkpoints.openFolder(weights).close(); // headers now: a truncated file fails before any work
    }
    prompts = new OpenSoraPrompts(config.aes(), config.flow(), config.cameraMotion());
    tokenizer = HfTokenizer.load(tokenizerFolder);
    ComputeTarget textTarget = target.textEncoders(ScalarType.Float);
    textEncoder = new LazyComponent<>(() -> T5Encoder.load(t5, textFolder, textTarget), residency);
    transformer = new LazyComponent<>(() -> Models.load(transformerFolder, target), residency);
    vae = new LazyComponent<>(() -> Vaes.load(vaeFolder, target), residency);
  }

  /** Opens an Open-Sora 1.2 folder (see the class comment); frees each component after its phase. */
  public static OpenSoraPipeline open(Path folder, ComputeTarget target) {
    return new OpenSoraPipeline(folder, target, Residency.RELEASE_AFTER_USE);
  }

  public static OpenSoraPipeline open(Path folder, ComputeTarget target, Residency residency) {
    return new OpenSoraPipeline(folder, target, residency);
  }

  /**
   * Whether {@code folder} is an Open-Sora 1.2 folder: it holds inference.json, or no
   * model_index.json and a transformer/config.json of architecture STDiT3.
   */
  public static boolean recognises(Path folder) {
    if (Files.isRegularFile(folder.resolve(OpenSoraInferenceConfig.FILE))) {
      return true;
    }
    Path transformerConfig = folder.resolve("transformer").resolve("config.json");
    return !ModelIndex.present(folder)
        && Files.isRegularFile(transformerConfig)
        && ModelConfig.read(transformerConfig).className().equals(Stdit3Config.CLASS_NAME);
  }

  private static Path requireFolder(Path dir, String what) {
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new IllegalArgumentException(dir + ": the " + what + " folder is missing (or has no config.json)");
    }
    return dir;
  }

  /** The T5 repository's {@code part}/ sub-folder, or the repository itself where it holds {@code file} (the hub layout). */
  private static Path t5Part(Path repo, String part, String file) {
    Path nested = repo.resolve(part);
    if (Files.isRegularFile(nested.resolve(file))) {
      return nested;
    }
    if (Files.isRegularFile(repo.resolve(file))) {
      return repo;
    }
    throw new IllegalArgumentException(nested + ": the T5 " + part + " folder is missing (or has no " + file + ")");
  }

  private SamplingContext context(int height, int width, int frames) {
    return SamplingContext.NONE.withVideo(height, width, frames).withConditioningDtype(target.dtype());
  }

  public OpenSoraInferenceConfig inferenceConfig() {
    return config;
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public Path folder() {
    return folder;
  }

  @Override
  public ComputeTarget target() {
    return target;
  }

  /** save_fps of the inference config. */
  @Override
  public int fps() {
    return config.saveFps();
  }

  /** save_sample: {@code x * 255 + 0.5} (after clamp and (x + 1) / 2), then the uint8 cast. */
  @Override
  public dev.lemica.video.Pixels.Rounding frameRounding() {
    return dev.lemica.video.Pixels.Rounding.ROUND;
  }

  /**
   * Defaults from the folder's inference config (image_size or resolution + aspect_ratio,
   * num_frames, scheduler.num_sampling_steps, scheduler.cfg_scale). Open-Sora has no negative
   * prompt and no flow shift; its text length is the model's.
   */
  @Override
  public GenerationSettings resolve(GenerationRequest r) {
    if (r.negativePrompts() != null && r.negativePrompts().stream().anyMatch(n -> !n.isEmpty())) {
      throw new IllegalArgumentException(
          "--negative-prompt: Open-Sora 1.2 has none (its unconditional branch is the transformer's learned null caption)");
    }
    if (r.shift() != null) {
      throw new IllegalArgumentException("--shift: Open-Sora's RFLOW has no flow shift (its timestep transform follows the video size)");
    }
    int length = config.textMaxLength();
    if (r.maxSequenceLength() != null && r.maxSequenceLength() != length) {
      throw new IllegalArgumentException(
          "--max-sequence-length " + r.maxSequenceLength() + ": Open-Sora pads every prompt to text_encoder.model_max_length = " + length
              + " (the rows of the model's null caption)");
    }
    int height = r.height() != null ? r.height() : config.height();
    int width = r.width() != null ? r.width() : config.width();
    if (height < spatialFactor || width < spatialFactor) {
      throw new IllegalArgumentException(
          "--height " + height + " --width " + width + ": must be at least the VAE's factor " + spatialFactor + " for " + folder);
    }
    if (height % spatialFactor != 0 || width % spatialFactor != 0) {
      Warnings.warn(
          height + "x" + width + " is not a multiple of " + spatialFactor + ": the video will be " + spatialFactor * (height / spatialFactor) + "x"
              + spatialFactor * (width / spatialFactor) + ", as Open-Sora's VAE makes it (the model is still told " + height + "x" + width + ")");
    }
    int frames = r.frames() != null ? r.frames() : config.frames();
    if (frames < 1) {
      throw new IllegalArgumentException("--frames must be at least 1, got " + frames);
    }
    if (config.timestepTransform() && frames > 1 && frames < 17) {
      // ratio = sqrt(h·w / 512²) · sqrt(frames // 17 · 5) is 0: t_0 becomes NaN, every later t 0, and Open-Sora returns the noise.
      throw new IllegalArgumentException(
          "--frames " + frames + ": Open-Sora's timestep transform (use_timestep_transform in " + config.source()
              + ") needs 1 or at least 17 frames; between them every timestep becomes 0 or NaN and the video stays noise");
    }
    return new GenerationSettings(
        r.prompts(), GenerationSettings.spreadNegatives(null, r.prompts().size(), ""), height, width, frames,
        r.steps() != null ? r.steps() : config.steps(), r.guidance() != null ? r.guidance() : config.cfgScale(), Double.NaN, length);
  }

  /** (B, C, T, H / 8, W / 8) with T the VAE's get_latent_size of the frame count. */
  @Override
  public long[] noiseShape(GenerationSettings s) {
    return new long[] {
      s.batch(), transformerConfig.inChannels(), vaeConfig.latentFrames(s.frames()), s.height() / spatialFactor, s.width() / spatialFactor
    };
  }

  /**
   * RFLOW from the inference config's scheduler, its timestep transform on the pixel size and frame
   * count in the compute dtype (as Open-Sora's model_args), under scripts/inference.py's all-ones
   * temporal mask ({@link RectifiedFlow#withTemporalMask}).
   */
  @Override
  public Sampler sampler(GenerationSettings s) {
    Sampler rflow = Schedulers.fromConfig(config.schedulerConfig(), s.steps(), context(s.height(), s.width(), s.frames()));
    return rflow instanceof RectifiedFlow r ? r.withTemporalMask() : rflow;
  }

  /** Open-Sora always runs both branches; scale 1 gives the cond prediction, which the cond branch alone computes. */
  @Override
  public Guidance guidance(GenerationSettings s) {
    return Guidance.classifierFree(s.guidance());
  }

  @Override
  public <R> R withTransformer(java.util.function.Function<DiffusionTransformer, R> work) {
    return transformer.use(work);
  }

  /** The texts T5 gets for these prompts: scores appended, cleaned twice. */
  public List<String> textsForEncoder(List<String> rawPrompts) {
    return prompts.toTextEncoder(rawPrompts);
  }

  /**
   * The transformer's inputs besides x and timestep: y (B, 1, L, C) the T5 states of the prepared
   * prompts, mask (B, L) their attention mask, and the model arguments fps, height, width (B,) in
   * the compute dtype; the unconditional branch has y = the null caption per prompt, same mask.
   */
  @Override
  public Conditioning encode(GenerationSettings s) {
    TokenizedBatch tokens = tokenizer.encode(textsForEncoder(s.prompts()), s.maxSequenceLength());
    Tensor mask = tokens.maskTensor();
    Tensor y = textEncoder.use(encoder -> encoder.lastHiddenState(tokens.idsTensor(), mask).to(ScalarType.Float)).unsqueeze(1);
    Map<String, Tensor> cond = new LinkedHashMap<>();
    cond.put(Stdit3Transformer.Y, y);
    cond.put(Stdit3Transformer.MASK, mask);
    cond.put(Stdit3Transformer.FPS, modelArgument(s.frames() > 1 ? config.fps() : IMAGE_FPS, s.batch()));
    cond.put(Stdit3Transformer.HEIGHT, modelArgument(s.height(), s.batch()));
    cond.put(Stdit3Transformer.WIDTH, modelArgument(s.width(), s.batch()));
    Map<String, Tensor> uncond = new LinkedHashMap<>(cond);
    uncond.put(Stdit3Transformer.Y, nullCaption(s.batch(), s.maxSequenceLength()));
    return new Conditioning(cond, uncond);
  }

  /** prepare_multi_resolution_info: one value per prompt, in the dtype the model runs in. */
  private Tensor modelArgument(double value, int batch) {
    return torch.full(new long[] {batch}, new Scalar(value), new DimnameListOptional(), new TensorOptions(target.dtype()));
  }

  /** text_encoder.null(n): y_embedder.y_embedding of the transformer checkpoint, (B, 1, L, C) float32. */
  private Tensor nullCaption(int batch, int length) {
    try (TensorSource weights = Checkpoints.openFolder(config.transformerFolder())) {
      if (!weights.has(NULL_CAPTION)) {
        throw new IllegalArgumentException(config.transformerFolder() + ": checkpoint lacks tensor '" + NULL_CAPTION + "' (the null caption)");
      }
      Tensor table = weights.tensor(NULL_CAPTION).to(ScalarType.Float).clone(); // off the mapping, which closes here
      if (table.dim() != 2 || table.size(0) != length || table.size(1) != transformerConfig.captionChannels()) {
        throw new IllegalArgumentException(
            config.transformerFolder() + ": '" + NULL_CAPTION + "' has shape " + Tensors.shapeString(table) + ", expected [" + length + ", "
                + transformerConfig.captionChannels() + "]");
      }
      return table.unsqueeze(0).unsqueeze(0).expand(new long[] {batch, 1, -1, -1}).contiguous();
    }
  }

  /** VideoAutoencoderPipeline.decode(z, num_frames): scale and shift, then to exactly the frame count asked for. */
  @Override
  public Tensor decode(Tensor latents, GenerationSettings s) {
    return vae.use(v -> v.decodeNormalized(latents, s.frames()));
  }

  @Override
  public void close() {
    tokenizer.close();
    textEncoder.close();
    transformer.close();
    vae.close();
  }
}
