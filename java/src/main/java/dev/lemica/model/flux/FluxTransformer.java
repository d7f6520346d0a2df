package dev.lemica.model.flux;

import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.WeightLoader;
import dev.lemica.model.mmdit.DoubleStreamBlock;
import dev.lemica.model.mmdit.DualStreamStack;
import dev.lemica.model.mmdit.MmditFlops;
import dev.lemica.model.mmdit.PackedImageTransformer;
import dev.lemica.model.mmdit.PackedLatents;
import dev.lemica.nn.AdaLayerNormContinuous;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import dev.lemica.nn.Rope;
import dev.lemica.nn.RotaryAngles;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * FLUX.1, diffusers' {@code FluxTransformer2DModel}, with its parameter names so hub folders load
 * unchanged: double-stream blocks, then single-stream blocks over the joint [text; image] sequence,
 * a rotary embedding over per-token position ids (one axis per column of {@code txt_ids} /
 * {@code img_ids}, widths {@code axes_dims_rope}), timestep + guidance + pooled-text conditioning,
 * and an AdaLayerNormContinuous head. Inputs are packed latent tokens; packing is the pipeline's.
 */
public final class FluxTransformer implements PackedImageTransformer {
  public static final String HIDDEN_STATES = "hidden_states";
  public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
  public static final String POOLED_PROJECTIONS = "pooled_projections";
  public static final String TIMESTEP = "timestep";
  public static final String IMG_IDS = "img_ids";
  public static final String TXT_IDS = "txt_ids";
  public static final String GUIDANCE = "guidance";
  private static final double THETA = 10000.0;

  private final FluxConfig config;
  private final WeightLoader weights;
  private final Linear xEmbedder;
  private final Linear contextEmbedder;
  private final FluxTimeTextEmbedding timeText;
  private final List<DoubleStreamBlock> doubleBlocks = new ArrayList<>();
  private final List<FluxSingleBlock> singleBlocks = new ArrayList<>();
  private final AdaLayerNormContinuous normOut;
  private final Linear projOut;

  public FluxTransformer(FluxConfig config, WeightLoader w) {
    this.config = config;
    this.weights = w;
    int dim = config.dim();
    xEmbedder = w.linear("x_embedder", dim, config.inChannels());
    contextEmbedder = w.linear("context_embedder", dim, config.jointAttentionDim());
    timeText = new FluxTimeTextEmbedding(w, config);
    for (int i = 0; i < config.layers(); i++) {
      doubleBlocks.add(
          new DoubleStreamBlock(
              w, "transformer_blocks." + i, DoubleStreamBlock.Names.FLUX, config.heads(), config.headDim(),
              weight -> x -> Norms.rmsNorm(x, weight, 1e-6), false));
    }
    for (int i = 0; i < config.singleLayers(); i++) {
      singleBlocks.add(new FluxSingleBlock(w, "single_transformer_blocks." + i, config));
    }
    normOut = new AdaLayerNormContinuous(w.linear("norm_out.linear", 2L * dim, dim), 1e-6);
    projOut = w.linear("proj_out", (long) config.patchSize() * config.patchSize() * config.outChannels(), dim);
  }

  public static FluxTransformer load(ModelConfig config, WeightLoader weights) {
    return new FluxTransformer(FluxConfig.from(config), weights);
  }

  public FluxConfig config() {
    return config;
  }

  @Override
  public String className() {
    return FluxConfig.CLASS_NAME;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int blockCount() {
    return doubleBlocks.size() + singleBlocks.size();
  }

  @Override
  public List<String> inputNames() {
    List<String> names = new ArrayList<>(List.of(HIDDEN_STATES, ENCODER_HIDDEN_STATES, POOLED_PROJECTIONS, TIMESTEP, IMG_IDS, TXT_IDS));
    if (timeText.usesGuidance()) {
      names.add(GUIDANCE);
    }
    return names;
  }

  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook) {
    ComputeTarget target = weights.target();
    Tensor hidden = inputs.require(HIDDEN_STATES, 3).to(target.device(), target.dtype());
    Tensor text = inputs.require(ENCODER_HIDDEN_STATES, 3).to(target.device(), target.dtype());
    Tensor pooled = inputs.require(POOLED_PROJECTIONS, 2).to(target.device(), target.dtype());
    long batch = hidden.size(0);
    Tensor timestep = perSample(inputs, TIMESTEP, batch);
    Tensor guidance = timeText.usesGuidance() ? perSample(inputs, GUIDANCE, batch) : null;
    checkShapes(hidden, text, pooled);
    Tensor imgIds = ids(inputs, IMG_IDS, hidden.size(1));
    Tensor txtIds = ids(inputs, TXT_IDS, text.size(1));

    Tensor image = xEmbedder.apply(hidden);
    Tensor temb = timeText.apply(timestep, guidance, pooled);
    Tensor context = contextEmbedder.apply(text);
    UnaryOperator<Tensor> rope = rope(torch.cat(new TensorVector(txtIds, imgIds), 0));

    List<ScopedBlocks.Named> blocks = new ArrayList<>(blockCount());
    for (int i = 0; i < doubleBlocks.size(); i++) {
      DoubleStreamBlock block = doubleBlocks.get(i);
      blocks.add(new ScopedBlocks.Named("transformer_blocks." + i, s -> block.apply(s[0], s[1], temb, rope, null)));
    }
    for (int i = 0; i < singleBlocks.size(); i++) {
      FluxSingleBlock block = singleBlocks.get(i);
      blocks.add(new ScopedBlocks.Named("single_transformer_blocks." + i, s -> block.apply(s[0], s[1], temb, rope)));
    }
    Tensor after =
        hook.apply(
            new DualStreamStack(
                context, image, blocks, () -> doubleBlocks.isEmpty() ? image : doubleBlocks.get(0).modulatedImageInput(image, temb)));
    return projOut.apply(normOut.apply(after, temb));
  }

  /** FluxPosEmbed: float64 angles per id column, as real interleaved cos/sin tables (use_real=True). */
  private UnaryOperator<Tensor> rope(Tensor ids) {
    Tensor angles = RotaryAngles.of(config.axesDimsRope(), THETA, ids, ScalarType.Double);
    Tensor[] cosSin = RotaryAngles.cosSinInterleaved(angles);
    Tensor cos = cosSin[0].unsqueeze(0).unsqueeze(2);
    Tensor sin = cosSin[1].unsqueeze(0).unsqueeze(2);
    return x -> Rope.realInterleaved(x, cos, sin);
  }

  /** A (batch,) float32 input, one value per sample or one for all. */
  private Tensor perSample(ForwardInputs inputs, String name, long batch) {
    Tensor t = inputs.require(name).to(weights.target().device(), ScalarType.Float).reshape(-1);
    if (t.size(0) != batch && t.size(0) != 1) {
      throw new IllegalArgumentException(name + " has " + t.size(0) + " values for a batch of " + batch);
    }
    return t;
  }

  /** Position ids (tokens, axes); the deprecated (batch, tokens, axes) form is read at batch 0, as diffusers does. */
  private Tensor ids(ForwardInputs inputs, String name, long tokens) {
    Tensor ids = inputs.require(name);
    if (ids.dim() == 3) {
      ids = ids.select(0, 0);
    }
    int axes = config.axesDimsRope().length;
    if (ids.dim() != 2 || ids.size(0) != tokens || ids.size(1) != axes) {
      throw new IllegalArgumentException(
          name + " " + Tensors.shapeString(ids) + " must be (" + tokens + ", " + axes + "): one row of position ids per token");
    }
    return ids.to(weights.target().device(), ScalarType.Float);
  }

  private void checkShapes(Tensor hidden, Tensor text, Tensor pooled) {
    long batch = hidden.size(0);
    if (hidden.size(2) != config.inChannels()) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(hidden) + " must be (batch, tokens, in_channels=" + config.inChannels() + ")");
    }
    if (text.size(0) != batch || text.size(2) != config.jointAttentionDim()) {
      throw new IllegalArgumentException(
          "encoder_hidden_states " + Tensors.shapeString(text) + " must be (" + batch + ", tokens, " + config.jointAttentionDim() + ")");
    }
    if (pooled.size(0) != batch || pooled.size(1) != config.pooledProjectionDim()) {
      throw new IllegalArgumentException(
          "pooled_projections " + Tensors.shapeString(pooled) + " must be (" + batch + ", " + config.pooledProjectionDim() + ")");
    }
  }

  /** Packed noise of a (C, H, W) VAE latent (2×2 patches per token), ids of its grid, random text and pooled text. */
  @Override
  public ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    long[] grid = PackedLatents.grid(latentShape, config.inChannels());
    long tokens = grid[0] * grid[1];
    ComputeTarget target = weights.target();
    TensorOptions onDevice = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    Map<String, Tensor> cond = new LinkedHashMap<>();
    cond.put(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.jointAttentionDim()}, onDevice));
    cond.put(POOLED_PROJECTIONS, torch.randn(new long[] {1, config.pooledProjectionDim()}, onDevice));
    cond.put(IMG_IDS, PackedLatents.imageIds(grid[0], grid[1], config.axesDimsRope().length));
    cond.put(TXT_IDS, torch.zeros(new long[] {textTokens, config.axesDimsRope().length}, new TensorOptions(ScalarType.Float)));
    if (timeText.usesGuidance()) {
      cond.put(GUIDANCE, torch.full(new long[] {1}, new Scalar(3.5), new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(ScalarType.Float)));
    }
    Tensor noise = PackedLatents.noise(tokens, config.inChannels(), target.device());
    double d = config.dim();
    double joint = tokens + textTokens;
    double stack = (config.layers() + config.singleLayers()) * MmditFlops.block(joint, d);
    double outside =
        MmditFlops.outsideStack(
            tokens, textTokens, config.inChannels(), config.jointAttentionDim(), d, (double) config.patchSize() * config.patchSize() * config.outChannels());
    // FLUX.1-dev distils guidance into an embedding: one branch per step, no CFG.
    return new ExampleInputs(noise, cond, cond, 1.0, tokens, stack + outside, stack);
  }

  @Override
  public int inChannels() {
    return config.inChannels();
  }

  @Override
  public void close() {
    weights.close();
  }
}
