package dev.lemica.model.wan;

import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackCall;
import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.Linear;
import dev.lemica.nn.SequenceParallel;
import dev.lemica.nn.VideoPatches;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Wan2.1 text-to-video transformer, diffusers' {@code WanTransformer3DModel}, with the same
 * parameter names so hub folders load unchanged.
 */
public final class WanTransformer implements DiffusionTransformer {
  public static final String HIDDEN_STATES = "hidden_states";
  public static final String TIMESTEP = "timestep";
  public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";

  private final WanConfig config;
  private final WeightLoader weights;
  private final WanRotaryEmbedding rope;
  private final VideoPatches patches;
  private final WanConditionEmbedder conditions;
  private final List<WanBlock> blocks = new ArrayList<>();
  private final Tensor headTable;
  private final Linear projOut;

  public WanTransformer(WanConfig config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    int dim = config.dim();
    rope = new WanRotaryEmbedding(config.headDim(), config.ropeMaxSeqLen(), weights.target());
    patches =
        new VideoPatches(
            weights.load("patch_embedding.weight", dim, config.inChannels(), config.patchT(), config.patchH(), config.patchW()),
            weights.load("patch_embedding.bias", dim));
    conditions = new WanConditionEmbedder(weights, config);
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(new WanBlock(weights, "blocks." + i, config));
    }
    headTable = weights.loadFloat32("scale_shift_table", 1, 2, dim);
    projOut = weights.linear("proj_out", (long) config.outChannels() * config.patchVolume(), dim);
  }

  public static WanTransformer load(ModelConfig config, WeightLoader weights) {
    return new WanTransformer(WanConfig.from(config), weights);
  }

  public WanConfig config() {
    return config;
  }

  @Override
  public String className() {
    return WanConfig.CLASS_NAME;
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
    return List.of(HIDDEN_STATES, TIMESTEP, ENCODER_HIDDEN_STATES);
  }

  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook) {
    return forward(inputs, hook, SequenceParallel.NONE);
  }

  /**
   * Under sequence parallelism the tokens are split after the patch embedding, with the rotary
   * table; the block stack, and the hook, see this process's tokens; the output head runs on them
   * too, and its output (the smallest tensor of the forward) is gathered before unpatchify.
   */
  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook, SequenceParallel sequence) {
    ComputeTarget target = weights.target();
    Tensor video = inputs.require(HIDDEN_STATES, 5).to(target.device(), target.dtype());
    Tensor text = inputs.require(ENCODER_HIDDEN_STATES, 3).to(target.device(), target.dtype());
    Tensor timestep = inputs.require(TIMESTEP).to(target.device(), ScalarType.Float).reshape(-1);
    checkShapes(video, text, timestep);
    int frames = (int) video.size(2) / config.patchT();
    int rows = (int) video.size(3) / config.patchH();
    int columns = (int) video.size(4) / config.patchW();

    SequenceParallel.TokenShards shards = sequence.split((long) frames * rows * columns, config.heads());
    Tensor rotary = shards.shard(rope.forGrid(frames, rows, columns), 1);
    Tensor hidden = shards.shard(patches.embed(video), 1).contiguous();
    WanConditionEmbedder.TimeEmbedding time = conditions.time(timestep, target.dtype());
    Tensor context = conditions.text(text);

    Tensor after = hook.apply(new Stack(hidden, context, time.blockProjection(), rotary, shards));

    TensorVector shiftScale = headTable.add(time.temb().unsqueeze(1)).chunk(2, 1);
    Tensor normed = AdaLn.modulateFloat32(after, shiftScale.get(0), shiftScale.get(1), config.eps());
    return patches.unpatchify(
        shards.gather(projOut.apply(normed), 1),
        new long[] {frames, rows, columns},
        config.outChannels(),
        video.size(2),
        video.size(3),
        video.size(4));
  }

  private void checkShapes(Tensor video, Tensor text, Tensor timestep) {
    long batch = video.size(0);
    if (video.size(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(video) + " has " + video.size(1)
              + " channels; the model expects in_channels=" + config.inChannels());
    }
    long[] patch = {config.patchT(), config.patchH(), config.patchW()};
    for (int axis = 0; axis < 3; axis++) {
      if (video.size(2 + axis) % patch[axis] != 0) {
        throw new IllegalArgumentException(
            "hidden_states " + Tensors.shapeString(video) + ": frames/height/width must be multiples of patch_size "
                + java.util.Arrays.toString(patch));
      }
    }
    if (text.size(0) != batch || text.size(2) != config.textDim()) {
      throw new IllegalArgumentException(
          "encoder_hidden_states " + Tensors.shapeString(text) + " must be (" + batch + ", tokens, "
              + config.textDim() + ")");
    }
    if (timestep.size(0) != batch && timestep.size(0) != 1) {
      throw new IllegalArgumentException(
          "timestep has " + timestep.size(0) + " values for a batch of " + batch);
    }
  }

  /** The block stack of one forward, handed to the hook. */
  private final class Stack implements BlockStackCall {
    private final Tensor hidden;
    private final Tensor context;
    private final Tensor timestepProjection;
    private final Tensor rotary;
    private final SequenceParallel.TokenShards shards;

    Stack(Tensor hidden, Tensor context, Tensor timestepProjection, Tensor rotary, SequenceParallel.TokenShards shards) {
      this.hidden = hidden;
      this.context = context;
      this.timestepProjection = timestepProjection;
      this.rotary = rotary;
      this.shards = shards;
    }

    @Override
    public Tensor hiddenBefore() {
      return hidden;
    }

    @Override
    public Tensor runBlocks(BlockObserver observer) {
      return ScopedBlocks.run(blocks.size(), hidden, this::block, observer);
    }

    @Override
    public AfterFirstBlock runFirstBlock(BlockObserver observer) {
      return ScopedBlocks.runFirst(blocks.size(), hidden, this::block, observer);
    }

    private Tensor block(int i, Tensor h) {
      return blocks.get(i).apply(h, context, timestepProjection, rotary, shards);
    }

    /** The whole sequence's, so that a policy deciding on it decides alike in every process of a split. */
    @Override
    public Tensor firstBlockModulatedInput() {
      return shards.gather(blocks.get(0).modulatedInput(hidden, timestepProjection), 1);
    }
  }

  /** Noise of a (C, F, H, W) latent, cond and uncond text embeddings; Wan samples with CFG 5. */
  @Override
  public ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    ExampleInputs.requireVideoLatent(latentShape);
    ComputeTarget target = weights.target();
    TensorOptions onDevice = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    Map<String, Tensor> cond = Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.textDim()}, onDevice));
    Map<String, Tensor> uncond = Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.textDim()}, onDevice));
    long[] shape = {1, latentShape.get(0), latentShape.get(1), latentShape.get(2), latentShape.get(3)};
    Tensor noise = torch.randn(shape, new TensorOptions(ScalarType.Float).device(new DeviceOptional(target.device())));
    long tokens = latentShape.get(1) / config.patchT() * (latentShape.get(2) / config.patchH()) * (latentShape.get(3) / config.patchW());
    return new ExampleInputs(
        noise, cond, uncond, 5.0, tokens, WanFlops.perForward(config, tokens, textTokens), WanFlops.blockStack(config, tokens, textTokens));
  }

  /** 480p × 81 frames: a (16, 21, 60, 104) latent, 32,760 tokens. */
  @Override
  public List<Long> typicalLatentShape() {
    return List.of((long) config.inChannels(), 21L, 60L, 104L);
  }

  @Override
  public List<Long> oneTokenLatentShape() {
    return List.of((long) config.inChannels(), (long) config.patchT(), (long) config.patchH(), (long) config.patchW());
  }

  @Override
  public void close() {
    rope.release();
    weights.close();
  }
}
