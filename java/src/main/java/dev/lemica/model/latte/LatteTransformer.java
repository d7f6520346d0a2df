package dev.lemica.model.latte;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.lemica.nn.Activation;
import dev.lemica.nn.Conv2d;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.SinCosPositions;
import dev.lemica.nn.Timesteps;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Latte text-to-video transformer, diffusers' {@code LatteTransformer3DModel}, under the same
 * parameter names so hub folders load unchanged.
 *
 * <p>Inputs as the diffusers forward takes them: {@code hidden_states} (B, C, F, H, W),
 * {@code encoder_hidden_states} (B, L, caption_channels), {@code timestep} (B,) or one value in
 * [0, 1000); {@code enable_temporal_attentions} (default true) comes from the inputs' meta. No
 * {@code encoder_attention_mask}: LattePipeline never passes one (its mask_feature cuts or zeroes the
 * text instead). F must be 1 or the config's video_length (the temporal sin-cos table has that many
 * rows). The output is (B, out_channels, F, H, W); with learned sigma (out_channels = 2·in_channels)
 * the first half is the noise prediction.
 *
 * <p>Frames fold into the batch: spatial block i sees (B·F, patches, dim), temporal block i
 * (B·patches, F, dim); the temporal sin-cos positions join before temporal block 0. The caching seam
 * ({@link BlockStackCall}) spans both lists, spatial and temporal blocks together, and holds the
 * hidden states as (B, F·patches, dim), frame-major: the patch embedding's output (positions added)
 * before the first spatial block and, after the last temporal block, the tensor the output head
 * (norm_out, modulation, proj_out) reads, in the same layout. The temporal positions are inside the
 * stack, so a reused step skips them too, as TeaCache4Latte does.
 */
public final class LatteTransformer implements DiffusionTransformer {
  public static final String HIDDEN_STATES = "hidden_states";
  public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
  public static final String TIMESTEP = "timestep";
  /** The forward's boolean argument, read from the inputs' meta. */
  public static final String ENABLE_TEMPORAL_ATTENTIONS = "enable_temporal_attentions";

  private static final int TIMESTEP_CHANNELS = 256;
  private static final double HEAD_EPS = 1e-6;

  private final LatteConfig config;
  private final WeightLoader weights;
  private final Conv2d patchEmbedding;
  private final Timesteps timeProjection = new Timesteps(TIMESTEP_CHANNELS, true, 0, 1);
  private final FeedForward timestepEmbedder;
  private final AdaLnModulation adalnSingle;
  private final FeedForward captionProjection;
  private final List<LatteBlock> spatialBlocks = new ArrayList<>();
  private final List<LatteBlock> temporalBlocks = new ArrayList<>();
  /** (2, dim): shift, scale of the output head. */
  private final Tensor headTable;
  private final dev.lemica.nn.Linear projOut;
  /** (video_length, dim) float32. */
  private final Tensor temporalPositions;
  private final Map<String, Tensor> spatialPositionsByGrid = new HashMap<>();

  public LatteTransformer(LatteConfig config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    int dim = config.dim();
    int p = config.patchSize();
    patchEmbedding = new Conv2d(weights.load("pos_embed.proj.weight", dim, config.inChannels(), p, p), weights.load("pos_embed.proj.bias", dim), p, 0);
    timestepEmbedder = Modules.mlp(weights, "adaln_single.emb.timestep_embedder", TIMESTEP_CHANNELS, dim, dim, Activation.SILU, false);
    adalnSingle = new AdaLnModulation(weights.linear("adaln_single.linear", 6L * dim, dim), 1);
    captionProjection = Modules.mlp(weights, "caption_projection", config.captionChannels(), dim, dim, Activation.GELU_TANH, false);
    for (int i = 0; i < config.layers(); i++) {
      spatialBlocks.add(new LatteBlock(weights, "transformer_blocks." + i, config, config.crossAttentionDim() != 0));
    }
    for (int i = 0; i < config.layers(); i++) {
      temporalBlocks.add(new LatteBlock(weights, "temporal_transformer_blocks." + i, config, false));
    }
    headTable = weights.load("scale_shift_table", 2, dim);
    projOut = weights.linear("proj_out", (long) p * p * config.outChannels(), dim);
    temporalPositions =
        SinCosPositions.oneD(dim, torch.arange(new Scalar(config.videoLength()), new TensorOptions(ScalarType.Long).device(new DeviceOptional(weights.target().device()))))
            .to(ScalarType.Float);
    temporalPositions.retainReference();
  }

  public static LatteTransformer load(ModelConfig config, WeightLoader weights) {
    return new LatteTransformer(LatteConfig.from(config), weights);
  }

  public LatteConfig config() {
    return config;
  }

  @Override
  public String className() {
    return LatteConfig.CLASS_NAME;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int blockCount() {
    return spatialBlocks.size() + temporalBlocks.size();
  }

  @Override
  public List<String> inputNames() {
    return List.of(HIDDEN_STATES, ENCODER_HIDDEN_STATES, TIMESTEP);
  }

  /**
   * The noise prediction: with learned sigma (out_channels = 2 × in_channels) the variance channels
   * follow and are dropped, as LattePipeline's {@code noise_pred.chunk(2, dim=1)[0]} drops them for
   * DDIM. It takes them after guidance, over all channels; the rule is elementwise, so the halves are
   * the same either way.
   */
  @Override
  public Tensor prediction(Tensor output) {
    return output.size(1) == config.inChannels() ? output : output.narrow(1, 0, config.inChannels());
  }

  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook) {
    ComputeTarget target = weights.target();
    if (inputs.optional("encoder_attention_mask").isPresent()) {
      throw new IllegalArgumentException(
          "input 'encoder_attention_mask' is not supported by this Latte port (LattePipeline never passes one; mask the text as its mask_feature does)");
    }
    boolean temporal = temporalAttentions(inputs.meta());
    Tensor video = inputs.require(HIDDEN_STATES, 5).to(target.device(), target.dtype());
    Tensor text = inputs.require(ENCODER_HIDDEN_STATES, 3).to(target.device(), target.dtype());
    Tensor timestep = inputs.require(TIMESTEP).to(target.device(), ScalarType.Float).reshape(-1);
    checkShapes(video, text, timestep, temporal);
    long batch = video.size(0);
    if (timestep.size(0) != batch) {
      timestep = timestep.expand(new long[] {batch});
    }
    int frames = (int) video.size(2);
    int p = config.patchSize();
    int rows = (int) video.size(3) / p;
    int columns = (int) video.size(4) / p;
    long patches = (long) rows * columns;
    int dim = config.dim();

    Tensor perFrame = video.permute(0, 2, 1, 3, 4).reshape(batch * frames, config.inChannels(), video.size(3), video.size(4));
    Tensor hidden = patchEmbedding.apply(perFrame).flatten(2, -1).transpose(1, 2).add(spatialPositions(rows, columns)).to(target.dtype());

    Tensor embedded = timestepEmbedder.apply(timeProjection.apply(timestep).to(target.dtype()));
    Tensor modulation = adalnSingle.apply(embedded).get(0).reshape(batch, 6, dim);
    Tensor caption = captionProjection.apply(text).repeat_interleave(frames, new LongOptional(0), new LongOptional());

    Tensor after = hook.apply(new Stack(hidden.reshape(batch, frames * patches, dim), caption, modulation, frames, patches, temporal));

    TensorVector shiftScale = headTable.unsqueeze(0).add(embedded.unsqueeze(1)).chunk(2, 1);
    Tensor normed = AdaLn.modulateLayerNorm(after, shiftScale.get(0), shiftScale.get(1), HEAD_EPS);
    int out = config.outChannels();
    return projOut
        .apply(normed)
        .reshape(batch * frames, rows, columns, p, p, out)
        .permute(0, 5, 1, 3, 2, 4)
        .reshape(batch, frames, out, (long) rows * p, (long) columns * p)
        .permute(0, 2, 1, 3, 4);
  }

  private static boolean temporalAttentions(JsonNode meta) {
    JsonNode flag = meta.get(ENABLE_TEMPORAL_ATTENTIONS);
    if (flag == null || flag.isNull()) {
      return true;
    }
    if (!flag.isBoolean()) {
      throw new IllegalArgumentException("meta.json: \"" + ENABLE_TEMPORAL_ATTENTIONS + "\" is not true/false");
    }
    return flag.asBoolean();
  }

  /**
   * PatchEmbed's 2D sin-cos table (1, patches, dim). At the config's own grid diffusers adds its
   * stored buffer, which a model cast to bf16/fp16 holds rounded to that dtype; at any other grid it
   * adds a float32 table made on the fly. Both are kept so.
   */
  private synchronized Tensor spatialPositions(int rows, int columns) {
    return spatialPositionsByGrid.computeIfAbsent(rows + "x" + columns, k -> {
      Tensor table =
          SinCosPositions.twoD(config.dim(), rows, columns, config.baseGrid(), config.interpolationScale(), weights.target().device()).unsqueeze(0);
      if (rows == config.baseGrid() && columns == config.baseGrid()) {
        table = table.to(weights.target().dtype());
      }
      table.retainReference();
      return table;
    });
  }

  private void checkShapes(Tensor video, Tensor text, Tensor timestep, boolean temporal) {
    long batch = video.size(0);
    if (video.size(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + " has " + video.size(1) + " channels; Latte takes (batch, channels, frames,"
              + " height, width) with in_channels=" + config.inChannels());
    }
    if (video.size(3) % config.patchSize() != 0 || video.size(4) % config.patchSize() != 0) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + ": height and width must be multiples of patch_size " + config.patchSize());
    }
    if (temporal && video.size(2) != 1 && video.size(2) != config.videoLength()) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + " has " + video.size(2) + " frames; with temporal attention this model takes 1 or"
              + " video_length=" + config.videoLength() + " (its temporal position table)");
    }
    if (text.size(0) != batch || text.size(2) != config.captionChannels()) {
      throw new IllegalArgumentException(
          "encoder_hidden_states " + Tensors.shapeString(text) + " must be (" + batch + ", tokens, " + config.captionChannels() + ")");
    }
    if (timestep.size(0) != batch && timestep.size(0) != 1) {
      throw new IllegalArgumentException("timestep has " + timestep.size(0) + " values for a batch of " + batch);
    }
  }

  /** The block stack of one forward, spatial and temporal blocks interleaved, handed to the hook. */
  private final class Stack implements BlockStackCall {
    private final Tensor hidden;
    private final Tensor caption;
    private final Tensor modulation;
    private final long batch;
    private final int frames;
    private final long patches;
    private final boolean temporal;

    Stack(Tensor hidden, Tensor caption, Tensor modulation, int frames, long patches, boolean temporal) {
      this.hidden = hidden;
      this.caption = caption;
      this.modulation = modulation;
      this.batch = hidden.size(0);
      this.frames = frames;
      this.patches = patches;
      this.temporal = temporal;
    }

    @Override
    public Tensor hiddenBefore() {
      return hidden;
    }

    @Override
    public Tensor runBlocks(BlockObserver observer) {
      return leaving(ScopedBlocks.run(named(), new Tensor[] {perFrame()}, observer));
    }

    /**
     * After the first (spatial) block, the stream per frame, laid out as the seam holds it; the rest
     * (temporal block 0 and its positions first) runs from there.
     */
    @Override
    public AfterFirstBlock runFirstBlock(BlockObserver observer) {
      return ScopedBlocks.runFirst(named(), new Tensor[] {perFrame()}, observer, s -> s[0].reshape(batch, frames * patches, -1), this::leaving);
    }

    /** The stream leaving the last block (temporal when temporal attention runs) as (B, F·patches, dim). */
    private Tensor leaving(Tensor[] streams) {
      return (temporal ? toSpatial(streams[0]) : streams[0]).reshape(batch, frames * patches, -1);
    }

    private List<ScopedBlocks.Named> named() {
      List<ScopedBlocks.Named> named = new ArrayList<>();
      for (int i = 0; i < spatialBlocks.size(); i++) {
        int index = i;
        LatteBlock spatial = spatialBlocks.get(i);
        named.add(new ScopedBlocks.Named("transformer_blocks." + i, s -> {
          Tensor x = index > 0 && temporal ? toSpatial(s[0]) : s[0];
          return new Tensor[] {spatial.apply(x, caption, spatial.modulation(modulation, frames))};
        }));
        if (temporal) {
          LatteBlock temporalBlock = temporalBlocks.get(i);
          named.add(new ScopedBlocks.Named("temporal_transformer_blocks." + i, s -> {
            Tensor x = toTemporal(s[0]);
            if (index == 0 && frames > 1) {
              x = x.add(temporalPositions.to(x.scalar_type()));
            }
            return new Tensor[] {temporalBlock.apply(x, null, temporalBlock.modulation(modulation, patches))};
          }));
        }
      }
      return named;
    }

    @Override
    public Tensor firstBlockModulatedInput() {
      LatteBlock first = spatialBlocks.get(0);
      return first.modulatedInput(perFrame(), first.modulation(modulation, frames)).reshape(batch, frames * patches, -1);
    }

    private Tensor perFrame() {
      return hidden.reshape(batch * frames, patches, -1);
    }

    /** (B·F, patches, dim) → (B·patches, F, dim). */
    private Tensor toTemporal(Tensor x) {
      return x.reshape(batch, frames, patches, -1).permute(0, 2, 1, 3).reshape(batch * patches, frames, -1);
    }

    /** (B·patches, F, dim) → (B·F, patches, dim). */
    private Tensor toSpatial(Tensor x) {
      return x.reshape(batch, patches, frames, -1).permute(0, 2, 1, 3).reshape(batch * frames, patches, -1);
    }
  }

  /** Noise of a (C, F, H, W) latent laid out (1, C, F, H, W), cond and uncond captions; Latte samples with CFG 7.5. */
  @Override
  public ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    if (latentShape.size() != 4 || latentShape.stream().anyMatch(v -> v <= 0)) {
      throw new IllegalArgumentException("--latent: a video model takes four positive sizes C,F,H,W, got " + latentShape);
    }
    long c = latentShape.get(0);
    long f = latentShape.get(1);
    long h = latentShape.get(2);
    long w = latentShape.get(3);
    int p = config.patchSize();
    if (c != config.inChannels() || (f != 1 && f != config.videoLength()) || h % p != 0 || w % p != 0) {
      throw new IllegalArgumentException(
          "--latent " + latentShape + ": this model takes " + config.inChannels() + " channels, 1 or " + config.videoLength()
              + " frames and height and width multiples of " + p);
    }
    ComputeTarget target = weights.target();
    TensorOptions onDevice = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    Map<String, Tensor> cond = Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.captionChannels()}, onDevice));
    Map<String, Tensor> uncond = Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.captionChannels()}, onDevice));
    Tensor noise = torch.randn(new long[] {1, c, f, h, w}, new TensorOptions(ScalarType.Float).device(new DeviceOptional(target.device())));
    long patches = h / p * (w / p);
    return new ExampleInputs(
        noise, cond, uncond, 7.5, f * patches,
        LatteFlops.perForward(config, f, patches, textTokens, true), LatteFlops.blockStack(config, f, patches, textTokens, true));
  }

  /** video_length frames at sample_size² (Latte-1: 16 frames of 512 × 512, a (4, 16, 64, 64) latent, 16,384 tokens). */
  /** LattePipeline's hard-coded max_length. */
  @Override
  public int typicalTextTokens() {
    return 120;
  }

  @Override
  public List<Long> typicalLatentShape() {
    return List.of((long) config.inChannels(), (long) config.videoLength(), (long) config.sampleSize(), (long) config.sampleSize());
  }

  @Override
  public List<Long> oneTokenLatentShape() {
    return List.of((long) config.inChannels(), 1L, (long) config.patchSize(), (long) config.patchSize());
  }

  @Override
  public void close() {
    synchronized (this) {
      spatialPositionsByGrid.values().forEach(Tensor::releaseReference);
      spatialPositionsByGrid.clear();
    }
    temporalPositions.releaseReference();
    weights.close();
  }
}
