package dev.lemica.model.opensora;

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
import dev.lemica.nn.VideoPatches;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Open-Sora 1.2's text-to-video transformer STDiT3 (hpcaitech/Open-Sora v1.2.0
 * {@code opensora/models/stdit/stdit3.py}) with its state_dict names, so the hub folder
 * hpcai-tech/OpenSora-STDiT-v3 ({@code config.json} + {@code model.safetensors}) loads unchanged.
 *
 * <p>Inputs are named as STDiT3.forward's arguments: {@code x} (B, C, T, H, W) latents (odd sizes
 * are padded to the patch and cropped back), {@code timestep} (B,) on the 0..1000 scale, {@code y}
 * (B, 1, L, caption_channels) caption embeddings, {@code mask} (B', L) valid text tokens (B' divides
 * B, rows repeat as Open-Sora repeats them for its 2B CFG batch; absent: all valid), {@code fps}
 * (B' values), {@code height} and {@code width} the video's pixel size (the first sample's sets the
 * position embedding's scale), and optionally {@code x_mask} (B', T) Open-Sora's temporal mask.
 * The output is (B, out_channels, T, H, W) float32 (Open-Sora's last cast), with pred_sigma the
 * prediction followed by the learned variance channels.
 *
 * <p>The block stack handed to the {@link BlockStackHook} is every spatial and temporal block, in
 * execution order spatial_blocks[i], temporal_blocks[i].
 */
public final class Stdit3Transformer implements DiffusionTransformer {
  public static final String X = "x";
  public static final String TIMESTEP = "timestep";
  public static final String Y = "y";
  public static final String MASK = "mask";
  public static final String FPS = "fps";
  public static final String HEIGHT = "height";
  public static final String WIDTH = "width";
  public static final String X_MASK = "x_mask";

  /** Open-Sora 1.2's VAE: 8 pixels per latent row and column. */
  private static final int VAE_SPATIAL_FACTOR = 8;

  private final Stdit3Config config;
  private final WeightLoader weights;
  private final VideoPatches patches;
  private final PositionEmbedding2D positions;
  private final TemporalRope rope;
  private final Stdit3Conditioning conditioning;
  private final List<Stdit3Block> blocks = new ArrayList<>();
  private final List<String> blockNames = new ArrayList<>();
  private final Tensor headTable;
  private final Linear headLinear;

  public Stdit3Transformer(Stdit3Config config, WeightLoader weights) {
    this.config = config;
    this.weights = weights;
    int dim = config.hidden();
    ComputeTarget target = weights.target();
    patches =
        new VideoPatches(
            weights.load("x_embedder.proj.weight", dim, config.inChannels(), config.patchT(), config.patchH(), config.patchW()),
            weights.load("x_embedder.proj.bias", dim));
    positions = new PositionEmbedding2D(dim, target);
    rope = new TemporalRope(weights.loadFloat32("rope.freqs", config.headDim() / 2), target);
    conditioning = new Stdit3Conditioning(weights, config);
    for (int i = 0; i < config.depth(); i++) {
      blocks.add(new Stdit3Block(weights, "spatial_blocks." + i, config, false));
      blockNames.add("spatial_blocks." + i);
      blocks.add(new Stdit3Block(weights, "temporal_blocks." + i, config, true));
      blockNames.add("temporal_blocks." + i);
    }
    headTable = weights.load("final_layer.scale_shift_table", 2, dim).unsqueeze(0);
    headTable.retainReference();
    headLinear = weights.linear("final_layer.linear", (long) config.patchVolume() * config.outChannels(), dim);
    Set<String> unused = weights.unused();
    if (!unused.isEmpty()) {
      releaseOwn(); // the weights are the caller's to close
      throw new IllegalArgumentException(
          weights.folder() + ": the checkpoint holds tensors STDiT3 with this config.json does not use: " + String.join(", ", unused.stream().limit(5).toList())
              + (unused.size() > 5 ? ", ... (" + unused.size() + ")" : ""));
    }
  }

  public static Stdit3Transformer load(ModelConfig config, WeightLoader weights) {
    return new Stdit3Transformer(Stdit3Config.from(config), weights);
  }

  public Stdit3Config config() {
    return config;
  }

  @Override
  public String className() {
    return Stdit3Config.CLASS_NAME;
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
    return List.of(X, TIMESTEP, Y, MASK, FPS, HEIGHT, WIDTH);
  }

  @Override
  public String latentsInput() {
    return X;
  }

  /** The velocity: the first in_channels of the output; with pred_sigma the variance channels follow and are dropped, as RFLOW drops them. */
  @Override
  public Tensor prediction(Tensor output) {
    return output.size(1) == config.inChannels() ? output : output.narrow(1, 0, config.inChannels());
  }

  /**
   * Open-Sora's unconditional branch: the same inputs with {@code y} replaced by the learned null
   * caption, one copy per sample. The caption mask stays the conditional one (Open-Sora passes one
   * mask for both halves of its CFG batch), so uncond row b reads the first valid rows of the null
   * caption that the prompt has.
   *
   * @param cond the conditional branch's inputs; its {@code y} must be (B, 1, model_max_length, C)
   */
  @Override
  public java.util.Optional<Map<String, Tensor>> unconditional(Map<String, Tensor> cond) {
    Tensor y = cond.get(Y);
    if (y == null) {
      throw new IllegalArgumentException("inputs lack tensor '" + Y + "'");
    }
    Tensor nullCaption = conditioning.nullCaption();
    if (y.dim() != 4 || y.size(2) != nullCaption.size(0) || y.size(3) != nullCaption.size(1)) {
      throw new IllegalArgumentException(
          "y " + Tensors.shapeString(y) + " must be (B, 1, " + nullCaption.size(0) + ", " + nullCaption.size(1)
              + ") to pair with the null caption (model_max_length rows)");
    }
    Map<String, Tensor> uncond = new LinkedHashMap<>(cond);
    uncond.put(Y, nullCaption.unsqueeze(0).unsqueeze(0).expand(new long[] {y.size(0), 1, -1, -1}).to(y.device(), y.scalar_type()).contiguous());
    return java.util.Optional.of(uncond);
  }

  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook) {
    ComputeTarget target = weights.target();
    ScalarType dtype = target.dtype();
    Device device = target.device();
    Tensor video = inputs.require(X, 5).to(device, dtype);
    long batch = video.size(0);
    if (video.size(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "x " + Tensors.shapeString(video) + " has " + video.size(1) + " channels; the model expects in_channels=" + config.inChannels());
    }
    Tensor timestep = perSample(inputs.require(TIMESTEP), batch, TIMESTEP, true).to(device, dtype);
    Tensor fps = perSample(inputs.require(FPS), batch, FPS, false).to(device, ScalarType.Float);
    double scale = Math.sqrt(first(inputs.require(HEIGHT), HEIGHT) * first(inputs.require(WIDTH), WIDTH)) / config.inputSqSize();
    Tensor caption = caption(inputs.require(Y), batch).to(device, dtype);
    Tensor textMask = inputs.optional(MASK).map(m -> textMask(m, batch, caption.size(1))).orElse(null);

    long[] grid = patches.grid(video);
    long frames = grid[0];
    long perFrame = grid[1] * grid[2];
    Tensor hidden =
        patches
            .embed(video)
            .reshape(batch, frames, perFrame, config.hidden())
            .add(positions.table(grid[1], grid[2], scale, Math.round(Math.sqrt(perFrame))))
            .reshape(batch, frames * perFrame, config.hidden());

    Tensor t = conditioning.time(timestep.to(ScalarType.Float), fps, dtype);
    FrameMask frameMask = inputs.optional(X_MASK).map(m -> frameMask(m, batch, frames, perFrame, device)).orElse(null);
    Tensor t0 = frameMask == null ? null : conditioning.time(torch.zeros_like(timestep).to(ScalarType.Float), fps, dtype);
    Tensor[] cosSin = rope.tables(frames);
    Stdit3Inputs shared =
        new Stdit3Inputs(
            conditioning.caption(caption),
            textMask == null ? null : textMask.to(device, ScalarType.Bool),
            conditioning.blockModulation(t),
            t0 == null ? null : conditioning.blockModulation(t0),
            frameMask,
            frames,
            perFrame,
            cosSin[0],
            cosSin[1]);

    Tensor after = hook.apply(new Stack(hidden, shared));

    TensorVector shiftScale = headTable.add(t.unsqueeze(1)).chunk(2, 1);
    Tensor normed = AdaLn.modulateLayerNorm(after, shiftScale.get(0), shiftScale.get(1), Stdit3Block.EPS);
    if (frameMask != null) {
      // T2IFinalLayer normalises the already modulated x for its t0 branch (blocks.py 578-583): kept as is.
      TensorVector zero = headTable.add(t0.unsqueeze(1)).chunk(2, 1);
      normed = frameMask.select(normed, AdaLn.modulateLayerNorm(normed, zero.get(0), zero.get(1), Stdit3Block.EPS));
    }
    return patches
        .unpatchify(headLinear.apply(normed), grid, config.outChannels(), video.size(2), video.size(3), video.size(4))
        .to(ScalarType.Float);
  }

  /** y as (B, L, caption_channels): Open-Sora's (B, 1, L, C), or (B, L, C). */
  private Tensor caption(Tensor y, long batch) {
    Tensor rows = y.dim() == 4 && y.size(1) == 1 ? y.squeeze(1) : y;
    if (rows.dim() != 3 || rows.size(0) != batch || rows.size(2) != config.captionChannels()) {
      throw new IllegalArgumentException(
          "y " + Tensors.shapeString(y) + " must be (" + batch + ", 1, tokens, " + config.captionChannels() + ")");
    }
    return rows;
  }

  /**
   * The (B, L) boolean mask of tokens to attend: mask ≠ 0, its rows repeated to the batch. A
   * sample with no valid token would attend to nothing; a mask read on the CPU is checked for that.
   */
  private static Tensor textMask(Tensor mask, long batch, long tokens) {
    Tensor m = mask;
    while (m.dim() > 2 && m.size(1) == 1) {
      m = m.squeeze(1);
    }
    if (m.dim() != 2 || m.size(1) != tokens || batch % m.size(0) != 0) {
      throw new IllegalArgumentException(
          "mask " + Tensors.shapeString(mask) + " must be (rows, " + tokens + ") with rows dividing the batch of " + batch);
    }
    Tensor valid = m.ne(new Scalar(0));
    if (valid.device().is_cpu() && valid.sum(new long[] {1}, false, new ScalarTypeOptional()).min().item_long() == 0) {
      throw new IllegalArgumentException("mask: a sample has no valid text token (every row needs at least one nonzero entry)");
    }
    return m.size(0) == batch ? valid : valid.repeat(batch / m.size(0), 1);
  }

  /**
   * Open-Sora's x_mask as a {@link FrameMask}, or null when it keeps every frame (what Open-Sora's
   * text-to-video sampling passes): the t0 branches would be computed and never selected.
   */
  private static FrameMask frameMask(Tensor mask, long batch, long frames, long perFrame, Device device) {
    if (mask.dim() != 2 || mask.size(1) != frames || batch % mask.size(0) != 0) {
      throw new IllegalArgumentException(
          "x_mask " + Tensors.shapeString(mask) + " must be (rows, " + frames + ") with rows dividing the batch of " + batch);
    }
    Tensor keep = mask.ne(new Scalar(0));
    if (keep.device().is_cpu() && keep.all().item_bool()) {
      return null;
    }
    return new FrameMask((mask.size(0) == batch ? keep : keep.repeat(batch / mask.size(0), 1)).to(device, ScalarType.Bool), perFrame);
  }

  /** (B,) from one value per sample, one value for all, or (for fps) rows repeated as Open-Sora repeats them. */
  private static Tensor perSample(Tensor values, long batch, String name, boolean oneOrAll) {
    Tensor v = values.reshape(-1);
    long n = v.size(0);
    if (n == batch) {
      return v;
    }
    if (n == 0 || batch % n != 0 || (oneOrAll && n != 1)) {
      throw new IllegalArgumentException(name + " has " + n + " values for a batch of " + batch);
    }
    return v.repeat(batch / n);
  }

  /** The first value of a height / width input, read on the host as Open-Sora's {@code .item()} does. */
  private static double first(Tensor values, String name) {
    if (values.numel() == 0) {
      throw new IllegalArgumentException(name + " is empty: it needs the video's pixel size");
    }
    double v = values.reshape(-1).get(0).to(ScalarType.Float).item_float();
    if (!(v > 0)) {
      throw new IllegalArgumentException(name + " must be a positive pixel size, got " + v);
    }
    return v;
  }

  /** The block stack of one forward, handed to the hook. */
  private final class Stack implements BlockStackCall {
    private final Tensor hidden;
    private final Stdit3Inputs shared;

    Stack(Tensor hidden, Stdit3Inputs shared) {
      this.hidden = hidden;
      this.shared = shared;
    }

    @Override
    public Tensor hiddenBefore() {
      return hidden;
    }

    @Override
    public Tensor runBlocks(BlockObserver observer) {
      return ScopedBlocks.run(named(), new Tensor[] {hidden}, observer)[0];
    }

    /** After spatial block 0; temporal block 0 is the first of the rest. */
    @Override
    public AfterFirstBlock runFirstBlock(BlockObserver observer) {
      return ScopedBlocks.runFirst(named(), new Tensor[] {hidden}, observer, s -> s[0]);
    }

    private List<ScopedBlocks.Named> named() {
      List<ScopedBlocks.Named> named = new ArrayList<>();
      for (int i = 0; i < blocks.size(); i++) {
        Stdit3Block block = blocks.get(i);
        named.add(new ScopedBlocks.Named(blockNames.get(i), s -> new Tensor[] {block.apply(s[0], shared)}));
      }
      return named;
    }

    @Override
    public Tensor firstBlockModulatedInput() {
      return blocks.get(0).modulatedInput(hidden, shared);
    }
  }

  /**
   * Noise of a (C, F, H, W) latent; cond: a random caption of model_max_length rows of which the
   * first {@code textTokens} are valid, fps 24 and the pixel size of the latent; uncond: the null
   * caption with the same mask. Open-Sora samples with CFG 7.
   */
  @Override
  public ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    ExampleInputs.requireVideoLatent(latentShape);
    if (textTokens <= 0 || textTokens > config.modelMaxLength()) {
      throw new IllegalArgumentException(
          "--text-tokens " + textTokens + ": STDiT3 takes 1 to model_max_length = " + config.modelMaxLength() + " caption tokens");
    }
    ComputeTarget target = weights.target();
    TensorOptions onDevice = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    TensorOptions floats = new TensorOptions(ScalarType.Float).device(new DeviceOptional(target.device()));
    long length = config.modelMaxLength();
    long[] valid = new long[(int) length];
    java.util.Arrays.fill(valid, 0, textTokens, 1);
    Map<String, Tensor> cond = new LinkedHashMap<>();
    cond.put(Y, torch.randn(new long[] {1, 1, length, config.captionChannels()}, onDevice));
    cond.put(MASK, Tensors.fromLongs(valid, 1, length));
    cond.put(FPS, torch.full(new long[] {1}, new Scalar(24.0), new DimnameListOptional(), floats));
    cond.put(HEIGHT, torch.full(new long[] {1}, new Scalar((double) latentShape.get(2) * VAE_SPATIAL_FACTOR), new DimnameListOptional(), floats));
    cond.put(WIDTH, torch.full(new long[] {1}, new Scalar((double) latentShape.get(3) * VAE_SPATIAL_FACTOR), new DimnameListOptional(), floats));
    Map<String, Tensor> uncond = unconditional(cond).orElseThrow();
    long[] shape = {1, latentShape.get(0), latentShape.get(1), latentShape.get(2), latentShape.get(3)};
    Tensor noise = torch.randn(shape, floats);
    long frames = ceilDiv(latentShape.get(1), config.patchT());
    long perFrame = ceilDiv(latentShape.get(2), config.patchH()) * ceilDiv(latentShape.get(3), config.patchW());
    return new ExampleInputs(
        noise,
        cond,
        uncond,
        7.0,
        frames * perFrame,
        Stdit3Flops.perForward(config, frames, perFrame, textTokens),
        Stdit3Flops.blockStack(config, frames, perFrame, textTokens));
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** 480p 16:9 (480 × 854 pixels), 51 frames: a (4, 15, 60, 106) latent, 23,850 tokens. */
  /** Open-Sora's caption length, model_max_length. */
  @Override
  public int typicalTextTokens() {
    return config.modelMaxLength();
  }

  @Override
  public List<Long> typicalLatentShape() {
    return List.of((long) config.inChannels(), 15L, 60L, 106L);
  }

  @Override
  public List<Long> oneTokenLatentShape() {
    return List.of((long) config.inChannels(), (long) config.patchT(), (long) config.patchH(), (long) config.patchW());
  }

  @Override
  public void close() {
    releaseOwn();
    weights.close();
  }

  private void releaseOwn() {
    positions.release();
    rope.release();
    blocks.forEach(Stdit3Block::release);
    blocks.clear();
    headTable.releaseReference();
  }
}
