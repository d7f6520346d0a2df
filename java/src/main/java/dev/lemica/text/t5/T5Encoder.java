package dev.lemica.text.t5;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Norms;
import dev.lemica.safetensors.Checkpoints;
import dev.lemica.text.TextEncoderModel;
import dev.lemica.torch.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The encoder of transformers' {@code T5EncoderModel} (T5 v1.1, mT5: FLUX.1, CogVideoX, Latte,
 * Open-Sora) and {@code UMT5EncoderModel} (Wan2.1), loaded from a {@code text_encoder/} folder under
 * the transformers weight names. One implementation: the two differ only in whether each block
 * has its own relative-attention bias (UMT5) or all share block 0's (T5).
 *
 * <p>The attention mask enters as an additive bias {@code (1 − mask) · finfo(dtype).min} on the
 * keys; padded query rows are computed like the others and returned. Decoder and {@code lm_head}
 * weights a checkpoint may hold are ignored.
 */
public final class T5Encoder implements TextEncoderModel {
  private static final String SHARED = "shared.weight";
  private static final String EMBED_TOKENS = "encoder.embed_tokens.weight";

  private final T5Config config;
  private final WeightLoader weights;
  private final Tensor embedding;
  private final List<T5Block> blocks = new ArrayList<>();
  private final Tensor finalNorm;
  private final RelativePositionBuckets buckets;

  private T5Encoder(T5Config config, WeightLoader weights, String embeddingName) {
    this.config = config;
    this.weights = weights;
    embedding = weights.load(embeddingName, config.vocabSize(), config.dModel());
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(new T5Block(weights, "encoder.block." + i, config, i == 0 || config.biasPerLayer()));
    }
    finalNorm = weights.load("encoder.final_layer_norm.weight", config.dModel());
    buckets = new RelativePositionBuckets(config.relativeBuckets(), config.relativeMaxDistance());
  }

  /** Loads {@code config.json} and the weights ({@code model.safetensors}, sharded or not) of a text_encoder folder. */
  public static T5Encoder load(Path textEncoderFolder, ComputeTarget target) {
    if (!Files.isDirectory(textEncoderFolder)) {
      throw new IllegalArgumentException(textEncoderFolder + ": no such text encoder folder");
    }
    return load(T5Config.read(textEncoderFolder.resolve("config.json")), textEncoderFolder, target);
  }

  /** Loads the weights of {@code folder} for a config already read (e.g. by {@link dev.lemica.text.TextEncoders}). */
  public static T5Encoder load(T5Config config, Path folder, ComputeTarget target) {
    WeightLoader weights = new WeightLoader(folder, Checkpoints.openFolder(folder), target);
    try {
      String embeddingName = weights.has(SHARED) ? SHARED : EMBED_TOKENS;
      if (!weights.has(embeddingName)) {
        throw new IllegalArgumentException(folder + ": checkpoint lacks tensor '" + SHARED + "' (nor its tied copy '" + EMBED_TOKENS + "')");
      }
      T5Encoder encoder = new T5Encoder(config, weights, embeddingName);
      encoder.checkNothingLeftOver(folder);
      return encoder;
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  /**
   * The architecture of {@code config} with made-up weights ({@link WeightLoader#random}): for memory
   * and speed measurements of checkpoints not at hand (e.g. {@code T5Config.preset("umt5-xxl")}).
   */
  public static T5Encoder withRandomWeights(T5Config config, ComputeTarget target, long seed) {
    return new T5Encoder(config, WeightLoader.random(target, seed), SHARED);
  }

  /** Encoder weights the config does not account for mean a config that does not fit the checkpoint. */
  private void checkNothingLeftOver(Path folder) {
    Set<String> extra = weights.unused().stream()
        .filter(n -> n.startsWith("encoder.") && !n.equals(EMBED_TOKENS))
        .collect(Collectors.toCollection(java.util.TreeSet::new));
    if (!extra.isEmpty()) {
      throw new IllegalArgumentException(
          folder + ": checkpoint holds " + extra.size() + " encoder tensor(s) config.json does not account for (e.g. '"
              + extra.iterator().next() + "'): num_layers or model_type (" + config.modelType() + ") does not fit the weights");
    }
  }

  public T5Config config() {
    return config;
  }

  @Override
  public String className() {
    return config.architecture();
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  /**
   * {@code last_hidden_state} (B, L, d_model) in the compute dtype.
   *
   * @param inputIds int64 (B, L) token ids
   * @param attentionMask int64 (B, L) of 0/1, or null to attend to every position (FLUX, CogVideoX)
   */
  @Override
  public Tensor lastHiddenState(Tensor inputIds, Tensor attentionMask) {
    return lastHiddenState(inputIds, attentionMask, BlockObserver.NONE);
  }

  /** As {@link #lastHiddenState(Tensor, Tensor)}; {@code observer} sees each block's output before the final norm. */
  public Tensor lastHiddenState(Tensor inputIds, Tensor attentionMask, BlockObserver observer) {
    checkInputs(inputIds, attentionMask);
    ComputeTarget target = weights.target();
    try (InferenceMode inference = new InferenceMode()) {
      Tensor ids = inputIds.to(target.device(), ScalarType.Long);
      long batch = ids.size(0);
      int length = (int) ids.size(1);
      Tensor hidden = torch.embedding(embedding, ids);
      ScalarType dtype = hidden.scalar_type();
      Tensor mask = attentionMask == null ? null : additiveMask(attentionMask, batch, length, dtype);
      Tensor table = buckets.table(length, length, target.device());
      Tensor shared = config.biasPerLayer() ? null : withMask(blocks.get(0).attention().positionBias(table), mask);
      Tensor last = ScopedBlocks.run(
          blocks.size(),
          hidden,
          (i, h) -> blocks.get(i).apply(h, shared != null ? shared : withMask(blocks.get(i).attention().positionBias(table), mask)),
          observer);
      return Norms.t5LayerNorm(last, finalNorm, config.layerNormEpsilon());
    }
  }

  /** (B, 1, 1, L): 0 on kept keys, the dtype's lowest value on padded ones. */
  private Tensor additiveMask(Tensor attentionMask, long batch, int length, ScalarType dtype) {
    Tensor m = attentionMask.to(weights.target().device(), dtype);
    return m.neg().add(new Scalar(1.0)).mul(new Scalar(lowest(dtype))).view(batch, 1, 1, length);
  }

  private static double lowest(ScalarType dtype) {
    if (dtype.value == ScalarType.Half.value) {
      return -65504.0;
    }
    if (dtype.value == ScalarType.BFloat16.value) {
      return -3.3895313892515355e38;
    }
    return -Float.MAX_VALUE;
  }

  private static Tensor withMask(Tensor bias, Tensor mask) {
    return mask == null ? bias : bias.add(mask);
  }

  private void checkInputs(Tensor ids, Tensor mask) {
    if (ids.dim() != 2 || ids.size(1) == 0) {
      throw new IllegalArgumentException("input_ids " + Tensors.shapeString(ids) + " must be (batch, tokens)");
    }
    if (ids.is_floating_point()) {
      throw new IllegalArgumentException("input_ids must hold integers (int64), got a floating-point tensor");
    }
    long low = ids.min().item_long();
    long high = ids.max().item_long();
    if (low < 0 || high >= config.vocabSize()) {
      throw new IllegalArgumentException(
          "input_ids hold id " + (low < 0 ? low : high) + ", outside the vocabulary [0, " + config.vocabSize() + ")");
    }
    if (mask != null) {
      if (!Tensors.sameShape(ids, mask)) {
        throw new IllegalArgumentException(
            "attention_mask " + Tensors.shapeString(mask) + " must have the shape of input_ids " + Tensors.shapeString(ids));
      }
      if (mask.min().item_double() < 0 || mask.max().item_double() > 1 || mask.ne(mask.round()).any().item_bool()) {
        throw new IllegalArgumentException("attention_mask must hold 0 and 1 only");
      }
    }
  }

  @Override
  public void close() {
    weights.close();
  }
}
