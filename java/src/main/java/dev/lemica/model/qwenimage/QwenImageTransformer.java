package dev.lemica.model.qwenimage;

import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.model.mmdit.DoubleStreamBlock;
import dev.lemica.model.mmdit.DualStreamStack;
import dev.lemica.model.mmdit.MmditFlops;
import dev.lemica.model.mmdit.PackedImageTransformer;
import dev.lemica.model.mmdit.PackedLatents;
import dev.lemica.nn.Activation;
import dev.lemica.nn.AdaLayerNormContinuous;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import dev.lemica.nn.Rope;
import dev.lemica.nn.Timesteps;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
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
 * Qwen-Image, diffusers' {@code QwenImageTransformer2DModel} (text-to-image), with its parameter
 * names so hub folders load unchanged: an MMDiT of double-stream blocks over packed latent tokens
 * and RMS-normalised Qwen2.5-VL text, rotary positions from {@code img_shapes} ({@link QwenEmbedRope}),
 * an optional text mask, timestep-only conditioning and an AdaLayerNormContinuous head.
 */
public final class QwenImageTransformer implements PackedImageTransformer {
  public static final String HIDDEN_STATES = "hidden_states";
  public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
  public static final String ENCODER_HIDDEN_STATES_MASK = "encoder_hidden_states_mask";
  public static final String TIMESTEP = "timestep";
  public static final String IMG_SHAPES = ImageShapes.NAME;
  private static final double EPS = 1e-6;
  /** Timesteps arrive on the sigma scale; the sinusoid scales them by 1000 after the frequencies. */
  private static final Timesteps SINUSOID = new Timesteps(256, true, 0, 1000);

  private final QwenImageConfig config;
  private final WeightLoader weights;
  private final QwenEmbedRope rope;
  private final FeedForward timestepEmbedder;
  private final Tensor txtNorm;
  private final Linear imgIn;
  private final Linear txtIn;
  private final List<DoubleStreamBlock> blocks = new ArrayList<>();
  private final AdaLayerNormContinuous normOut;
  private final Linear projOut;

  public QwenImageTransformer(QwenImageConfig config, WeightLoader w) {
    this.config = config;
    this.weights = w;
    int dim = config.dim();
    rope = new QwenEmbedRope(config.axesDimsRope(), w.target());
    timestepEmbedder = Modules.mlp(w, "time_text_embed.timestep_embedder", 256, dim, dim, Activation.SILU, false);
    txtNorm = w.load("txt_norm.weight", config.jointAttentionDim());
    imgIn = w.linear("img_in", dim, config.inChannels());
    txtIn = w.linear("txt_in", dim, config.jointAttentionDim());
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(
          new DoubleStreamBlock(
              w, "transformer_blocks." + i, DoubleStreamBlock.Names.QWEN_IMAGE, config.heads(), config.headDim(),
              weight -> x -> Norms.t5LayerNorm(x, weight, EPS), true));
    }
    normOut = new AdaLayerNormContinuous(w.linear("norm_out.linear", 2L * dim, dim), EPS);
    projOut = w.linear("proj_out", (long) config.patchSize() * config.patchSize() * config.outChannels(), dim);
  }

  public static QwenImageTransformer load(ModelConfig config, WeightLoader weights) {
    return new QwenImageTransformer(QwenImageConfig.from(config), weights);
  }

  public QwenImageConfig config() {
    return config;
  }

  @Override
  public String className() {
    return QwenImageConfig.CLASS_NAME;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public int blockCount() {
    return blocks.size();
  }

  /** Also {@code img_shapes} (meta.json or tensor) and, optionally, {@code encoder_hidden_states_mask}. */
  @Override
  public List<String> inputNames() {
    return List.of(HIDDEN_STATES, ENCODER_HIDDEN_STATES, TIMESTEP);
  }

  @Override
  public Tensor forward(ForwardInputs inputs, BlockStackHook hook) {
    ComputeTarget target = weights.target();
    Tensor hidden = inputs.require(HIDDEN_STATES, 3).to(target.device(), target.dtype());
    long batch = hidden.size(0);
    Tensor text = oneRowPerSample(inputs.require(ENCODER_HIDDEN_STATES, 3).to(target.device(), target.dtype()), batch);
    Tensor timestep = inputs.require(TIMESTEP).to(target.device(), ScalarType.Float).reshape(-1);
    checkShapes(hidden, text, timestep);
    ImageShapes shapes = ImageShapes.from(inputs);
    if (shapes.tokens() != hidden.size(1)) {
      throw new IllegalArgumentException(
          "img_shapes " + shapes.key() + " make " + shapes.tokens() + " image tokens but hidden_states " + Tensors.shapeString(hidden) + " holds " + hidden.size(1));
    }
    Tensor mask = jointMask(inputs, batch, text.size(1), hidden.size(1));

    Tensor image = imgIn.apply(hidden);
    Tensor context = txtIn.apply(Norms.t5LayerNorm(text, txtNorm, EPS));
    Tensor temb = timestepEmbedder.apply(SINUSOID.apply(timestep.to(target.dtype())).to(target.dtype()));
    Tensor table = rope.joint(shapes, (int) text.size(1));
    UnaryOperator<Tensor> rotate = x -> Rope.complex(x, table);

    List<ScopedBlocks.Named> named = new ArrayList<>(blocks.size());
    for (int i = 0; i < blocks.size(); i++) {
      DoubleStreamBlock block = blocks.get(i);
      named.add(new ScopedBlocks.Named("transformer_blocks." + i, s -> block.apply(s[0], s[1], temb, rotate, mask)));
    }
    Tensor after = hook.apply(new DualStreamStack(context, image, named, () -> blocks.isEmpty() ? image : blocks.get(0).modulatedImageInput(image, temb)));
    return projOut.apply(normOut.apply(after, temb));
  }

  /**
   * The (batch, 1, 1, text + image) boolean key mask of the joint sequence, image tokens always
   * valid; null when there is no text mask or it is all true, which attends exactly the same (and
   * lets attention run without a mask, as the pipeline does when it drops an all-ones mask). The
   * check reads the mask on the host: one synchronisation per forward on a GPU.
   */
  private Tensor jointMask(ForwardInputs inputs, long batch, long textTokens, long imageTokens) {
    if (inputs.optional(ENCODER_HIDDEN_STATES_MASK).isEmpty()) {
      return null;
    }
    Tensor textMask = oneRowPerSample(inputs.require(ENCODER_HIDDEN_STATES_MASK).to(weights.target().device(), ScalarType.Bool), batch);
    if (textMask.dim() != 2 || textMask.size(0) != batch || textMask.size(1) != textTokens) {
      throw new IllegalArgumentException(
          "encoder_hidden_states_mask " + Tensors.shapeString(textMask) + " must be (" + batch + ", " + textTokens + ")");
    }
    if (textMask.all().item_bool()) {
      return null;
    }
    Tensor imageMask = torch.ones(new long[] {batch, imageTokens}, new TensorOptions(ScalarType.Bool).device(new DeviceOptional(textMask.device())));
    return torch.cat(new TensorVector(textMask, imageMask), 1).unsqueeze(1).unsqueeze(1);
  }

  /**
   * One text row for a batch of latents (the pipeline encodes a str negative prompt once) stands for
   * every sample: diffusers broadcasts it at the first block's modulation, which is the same as
   * repeating it (a view here, no copy).
   */
  private static Tensor oneRowPerSample(Tensor t, long batch) {
    if (t.size(0) != 1 || batch == 1) {
      return t;
    }
    long[] shape = Tensors.shape(t);
    shape[0] = batch;
    return t.expand(shape);
  }

  private void checkShapes(Tensor hidden, Tensor text, Tensor timestep) {
    long batch = hidden.size(0);
    if (hidden.size(2) != config.inChannels()) {
      throw new IllegalArgumentException(
          "hidden_states " + Tensors.shapeString(hidden) + " must be (batch, tokens, in_channels=" + config.inChannels() + ")");
    }
    if (text.size(0) != batch || text.size(2) != config.jointAttentionDim()) {
      throw new IllegalArgumentException(
          "encoder_hidden_states " + Tensors.shapeString(text) + " must be (" + batch + ", tokens, " + config.jointAttentionDim() + ")");
    }
    if (timestep.size(0) != batch && timestep.size(0) != 1) {
      throw new IllegalArgumentException("timestep has " + timestep.size(0) + " values for a batch of " + batch);
    }
  }

  /** Packed noise of a (C, H, W) VAE latent, its img_shapes, cond and uncond text (true CFG, scale 4). */
  @Override
  public ExampleInputs exampleInputs(List<Long> latentShape, int textTokens) {
    long[] grid = PackedLatents.grid(latentShape, config.inChannels());
    long tokens = grid[0] * grid[1];
    ComputeTarget target = weights.target();
    TensorOptions onDevice = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    Tensor shapes = Tensors.fromLongs(new long[] {1, grid[0], grid[1]}, 1, 3);
    Map<String, Tensor> cond =
        Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.jointAttentionDim()}, onDevice), IMG_SHAPES, shapes);
    Map<String, Tensor> uncond =
        Map.of(ENCODER_HIDDEN_STATES, torch.randn(new long[] {1, textTokens, config.jointAttentionDim()}, onDevice), IMG_SHAPES, shapes);
    Tensor noise = PackedLatents.noise(tokens, config.inChannels(), target.device());
    double d = config.dim();
    double stack = config.layers() * MmditFlops.block(tokens + textTokens, d);
    double outside =
        MmditFlops.outsideStack(
            tokens, textTokens, config.inChannels(), config.jointAttentionDim(), d, (double) config.patchSize() * config.patchSize() * config.outChannels());
    return new ExampleInputs(noise, cond, uncond, 4.0, tokens, stack + outside, stack);
  }

  /** QwenImagePipeline's true CFG: the plain rule, then each token rescaled to the cond branch's norm. */
  @Override
  public dev.lemica.sampling.Guidance pipelineGuidance(double scale) {
    return new dev.lemica.sampling.NormRescaledGuidance(scale);
  }

  @Override
  public int inChannels() {
    return config.inChannels();
  }

  @Override
  public void close() {
    rope.release();
    weights.close();
  }
}
