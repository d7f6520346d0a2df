package dev.lemica.model.cogvideox;

import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackCall;
import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Modules;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.AdaLnModulation;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import dev.lemica.nn.Timesteps;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * CogVideoX 1.5 text-to-video transformer, diffusers' {@code CogVideoXTransformer3DModel} with
 * {@code patch_size_t} set, under the same parameter names so hub folders (sharded) load unchanged.
 *
 * <p>Inputs as the diffusers forward takes them: {@code hidden_states} (B, F, C, H, W), frames before
 * channels, F a multiple of patch_size_t (CogVideoXPipeline pads an odd latent frame count with one
 * frame in front); {@code encoder_hidden_states} (B, L, text_embed_dim); {@code timestep} (B,) or one
 * value, in [0, 1000); optionally {@code rope_cos} and {@code rope_sin}, the pipeline's
 * {@code image_rotary_emb} (tokens, head_dim) — computed by {@link CogVideoXRotaryEmbedding} when absent.
 * The output has the input's layout, with out_channels.
 *
 * <p>The block stack carries two streams, text and video. The caching seam ({@link BlockStackCall})
 * holds the video stream only: after the blocks the head reads nothing but it ({@code norm_final},
 * {@code norm_out} modulated by the timestep embedding, {@code proj_out}, all on the video tokens; the
 * text stream's last state is dropped), so a reused step needs no text residual: reconstructing the
 * video stream reproduces the output. Block observers get (video, text) per block, diffusers' order;
 * the single-tensor report is the video stream.
 */
public final class CogVideoXTransformer implements DiffusionTransformer {
  public static final String HIDDEN_STATES = "hidden_states";
  public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
  public static final String TIMESTEP = "timestep";
  /** The pipeline's {@code image_rotary_emb}, as the golden files name its two tables. */
  public static final String ROPE_COS = "rope_cos";

  public static final String ROPE_SIN = "rope_sin";

  private final CogVideoXConfig config;
  private final WeightLoader weights;
  private final Timesteps timeProjection;
  private final FeedForward timeEmbedding;
  private final Linear patchProjection;
  private final Linear textProjection;
  private final List<CogVideoXBlock> blocks = new ArrayList<>();
  private final Tensor normFinalWeight;
  private final Tensor normFinalBias;
  private final AdaLnModulation normOut;
  private final Tensor normOutWeight;
  private final Tensor normOutBias;
  private final Linear projOut;
  private final Map<String, CogVideoXRotaryEmbedding.Tables> rotaryByGrid = new HashMap<>();

  public CogVideoXTransformer(CogVideoXConfig config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    int dim = config.dim();
    boolean affine = config.normElementwiseAffine();
    timeProjection = new Timesteps(dim, config.flipSinToCos(), config.freqShift(), 1);
    timeEmbedding = Modules.mlp(weights, "time_embedding", dim, config.timeEmbedDim(), config.timeEmbedDim(), config.timestepActivation(), false);
    patchProjection = weights.linear("patch_embed.proj", dim, config.patchFeatures());
    textProjection = weights.linear("patch_embed.text_proj", dim, config.textEmbedDim());
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(new CogVideoXBlock(weights, "transformer_blocks." + i, config));
    }
    normFinalWeight = affine ? weights.load("norm_final.weight", dim) : null;
    normFinalBias = affine ? weights.load("norm_final.bias", dim) : null;
    normOut = new AdaLnModulation(weights.linear("norm_out.linear", 2L * dim, config.timeEmbedDim()), 2);
    normOutWeight = affine ? weights.load("norm_out.norm.weight", dim) : null;
    normOutBias = affine ? weights.load("norm_out.norm.bias", dim) : null;
    projOut = weights.linear("proj_out", (long) config.outChannels() * config.patchSizeT() * config.patchSize() * config.patchSize(), dim);
  }

  public static CogVideoXTransformer load(ModelConfig config, WeightLoader weights) {
    return new CogVideoXTransformer(CogVideoXConfig.from(config), weights);
  }

  public CogVideoXConfig config() {
    return config;
  }

  @Override
  public String className() {
    return CogVideoXConfig.CLASS_NAME;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int blockCount() {
    return blocks.size();
  }

  @Override
  public List<String> inputNames() {
    return List.of(HIDDEN_STATES, ENCODER_HIDDEN_STATES, TIMESTEP);
  }

  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook) {
    ComputeTarget target = weights.target();
    for (String unsupported : List.of("timestep_cond", "ofs")) {
      if (inputs.optional(unsupported).isPresent()) {
        throw new IllegalArgumentException("input '" + unsupported + "' is not supported by this CogVideoX port (text-to-video, no timestep_cond)");
      }
    }
    Tensor video = inputs.require(HIDDEN_STATES, 5).to(target.device(), target.dtype());
    Tensor text = inputs.require(ENCODER_HIDDEN_STATES, 3).to(target.device(), target.dtype());
    Tensor timestep = inputs.require(TIMESTEP).to(target.device(), ScalarType.Float).reshape(-1);
    checkShapes(video, text, timestep);
    long batch = video.size(0);
    int p = config.patchSize();
    int pt = config.patchSizeT();
    int frames = (int) (video.size(1) / pt);
    int rows = (int) (video.size(3) / p);
    int columns = (int) (video.size(4) / p);
    CogVideoXRotaryEmbedding.Tables rotary = rotary(inputs, frames, rows, columns);

    Tensor temb = timeEmbedding.apply(timeProjection.apply(timestep).to(target.dtype()));
    Tensor textTokens = textProjection.apply(text);
    // (B, F, C, H, W) -> tokens (t, h, w), features (C, p_t, p, p): CogVideoXPatchEmbed's 1.5 path.
    Tensor patches =
        video.permute(0, 1, 3, 4, 2)
            .reshape(batch, frames, pt, rows, p, columns, p, config.inChannels())
            .permute(0, 1, 3, 5, 7, 2, 4, 6)
            .reshape(batch, (long) frames * rows * columns, config.patchFeatures());
    Tensor videoTokens = patchProjection.apply(patches);

    Tensor after = hook.apply(new Stack(videoTokens, textTokens, temb, rotary));

    TensorVector shiftScale = normOut.apply(temb); // chunk_dim=1: shift first
    Tensor normed = AdaLn.modulate(
        Norms.layerNorm(Norms.layerNorm(after, normFinalWeight, normFinalBias, config.normEps()), normOutWeight, normOutBias, config.normEps()),
        shiftScale.get(0),
        shiftScale.get(1));
    return projOut
        .apply(normed)
        .reshape(batch, frames, rows, columns, config.outChannels(), pt, p, p)
        .permute(0, 1, 5, 4, 2, 6, 3, 7)
        .reshape(batch, (long) frames * pt, config.outChannels(), (long) rows * p, (long) columns * p);
  }

  private CogVideoXRotaryEmbedding.Tables rotary(ForwardInputs inputs, int frames, int rows, int columns) {
    Optional<Tensor> cos = inputs.optional(ROPE_COS);
    Optional<Tensor> sin = inputs.optional(ROPE_SIN);
    if (cos.isPresent() != sin.isPresent()) {
      throw new IllegalArgumentException("inputs hold only one of rope_cos and rope_sin; give both or neither");
    }
    if (cos.isEmpty()) {
      return rotaryForGrid(frames, rows, columns);
    }
    long tokens = (long) frames * rows * columns;
    for (Tensor t : List.of(cos.get(), sin.get())) {
      if (t.dim() != 2 || t.size(0) != tokens || t.size(1) != config.headDim()) {
        throw new IllegalArgumentException(
            "rope_cos / rope_sin " + Tensors.shapeString(t) + " must be (" + tokens + ", " + config.headDim()
                + "): one row per video token, head_dim wide");
      }
    }
    ComputeTarget target = weights.target();
    return new CogVideoXRotaryEmbedding.Tables(
        cos.get().to(target.device(), ScalarType.Float), sin.get().to(target.device(), ScalarType.Float));
  }

  private synchronized CogVideoXRotaryEmbedding.Tables rotaryForGrid(int frames, int rows, int columns) {
    return rotaryByGrid.computeIfAbsent(frames + "x" + rows + "x" + columns, k -> {
      CogVideoXRotaryEmbedding.Tables t = CogVideoXRotaryEmbedding.forGrid(config, frames, rows, columns, weights.target().device());
      t.cos().retainReference();
      t.sin().retainReference();
      return t;
    });
  }

  private void checkShapes(Tensor video, Tensor text, Tensor timestep) {
    long batch = video.size(0);
    if (video.size(2) != config.inChannels()) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + " has " + video.size(2) + " channels at dimension 2; CogVideoX takes"
              + " (batch, frames, channels, height, width) with in_channels=" + config.inChannels());
    }
    if (video.size(1) % config.patchSizeT() != 0) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + ": " + video.size(1) + " frames is no multiple of patch_size_t "
              + config.patchSizeT() + " (CogVideoXPipeline pads the latent frames to one)");
    }
    if (video.size(3) % config.patchSize() != 0 || video.size(4) % config.patchSize() != 0) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + ": height and width must be multiples of patch_size " + config.patchSize());
    }
    if (text.size(0) != batch || text.size(2) != config.textEmbedDim()) {
      throw new IllegalArgumentException(
          "encoder_hidden_states " + Tensors.shapeString(text) + " must be (" + batch + ", tokens, " + config.textEmbedDim() + ")");
    }
    if (timestep.size(0) != batch && timestep.size(0) != 1) {
      throw new IllegalArgumentException("timestep has " + timestep.size(0) + " values for a batch of " + batch);
    }
  }

  /** The block stack of one forward: the seam sees the video stream; the text stream rides along. */
  private final class Stack implements BlockStackCall {
    private final Tensor video;
    private final Tensor text;
    private final Tensor temb;
    private final CogVideoXRotaryEmbedding.Tables rotary;

    Stack(Tensor video, Tensor text, Tensor temb, CogVideoXRotaryEmbedding.Tables rotary) {
      this.video = video;
      this.text = text;
      this.temb = temb;
      this.rotary = rotary;
    }

    @Override
    public Tensor hiddenBefore() {
      return video;
    }

    @Override
    public Tensor runBlocks(BlockObserver observer) {
      return ScopedBlocks.run(named(), new Tensor[] {video, text}, observer)[0];
    }

    /** The video stream after the first block; the rest runs on both streams. */
    @Override
    public AfterFirstBlock runFirstBlock(BlockObserver observer) {
      return ScopedBlocks.runFirst(named(), new Tensor[] {video, text}, observer, streams -> streams[0]);
    }

    private List<ScopedBlocks.Named> named() {
      List<ScopedBlocks.Named> named = new ArrayList<>();
      for (int i = 0; i < blocks.size(); i++) {
        CogVideoXBlock block = blocks.get(i);
        named.add(new ScopedBlocks.Named(
            "transformer_blocks." + i, s -> block.apply(s[0], s[1], temb, rotary.cos(), rotary.sin()), 0));
      }
      return named;
    }

    @Override
    public Tensor firstBlockModulatedInput() {
      return blocks.get(0).modulatedVideo(video, temb);
    }
  }

  /**
   * Noise of a (C, F, H, W) latent laid out (1, F, C, H, W) as CogVideoXPipeline holds it, cond and
   * uncond text embeddings; CogVideoX 1.5 samples with CFG 6.
   */
  @Override
  public ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    if (latentShape.size() != 4 || latentShape.stream().anyMatch(v -> v <= 0)) {
      throw new IllegalArgumentException("--latent: a video model takes four positive sizes C,F,H,W, got " + latentShape);
    }
    if (latentShape.get(0) != config.inChannels()) {
      throw new IllegalArgumentException("--latent " + latentShape + ": this model takes " + config.inChannels() + " channels");
    }
    long f = latentShape.get(1);
    long h = latentShape.get(2);
    long w = latentShape.get(3);
    CogVideoXRotaryEmbedding.grid(config, f, h, w);
    ComputeTarget target = weights.target();
    TensorOptions onDevice = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    Map<String, Tensor> cond = Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.textEmbedDim()}, onDevice));
    Map<String, Tensor> uncond = Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.textEmbedDim()}, onDevice));
    Tensor noise = torch.randn(new long[] {1, f, latentShape.get(0), h, w}, new TensorOptions(ScalarType.Float).device(new DeviceOptional(target.device())));
    long tokens = f / config.patchSizeT() * (h / config.patchSize()) * (w / config.patchSize());
    return new ExampleInputs(
        noise, cond, uncond, 6.0, tokens,
        CogVideoXFlops.perForward(config, tokens, textTokens), CogVideoXFlops.blockStack(config, tokens, textTokens));
  }

  /** 1360 × 768 × 81 frames, CogVideoX 1.5's default: 21 latent frames padded to 22, 96 × 170, 44,880 tokens. */
  /** CogVideoXPipeline's max_sequence_length. */
  @Override
  public int typicalTextTokens() {
    return 226;
  }

  @Override
  public List<Long> typicalLatentShape() {
    return List.of((long) config.inChannels(), 22L, 96L, 170L);
  }

  @Override
  public List<Long> oneTokenLatentShape() {
    return List.of((long) config.inChannels(), (long) config.patchSizeT(), (long) config.patchSize(), (long) config.patchSize());
  }

  @Override
  public void close() {
    synchronized (this) {
      rotaryByGrid.values().forEach(t -> {
        t.cos().releaseReference();
        t.sin().releaseReference();
      });
      rotaryByGrid.clear();
    }
    weights.close();
  }
}
