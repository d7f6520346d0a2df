package dev.lemica.text.t5;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Norms;
import dev.lemica.text.AttentionMasks;
import dev.lemica.text.EncoderInputs;
import dev.lemica.text.LoadedTextEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.InferenceMode;
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
public final class T5Encoder extends LoadedTextEncoder {
  private static final String SHARED = "shared.weight";
  private static final String EMBED_TOKENS = "encoder.embed_tokens.weight";

  private final T5Config config;
  private final Tensor embedding;
  private final List<T5Block> blocks = new ArrayList<>();
  private final Tensor finalNorm;
  private final RelativePositionBuckets buckets;

  private T5Encoder(T5Config config, WeightLoader weights, String embeddingName) {
    super(weights, config.architecture());
    this.config = config;
    embedding = weights.load(embeddingName, config.vocabSize(), config.dModel());
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(new T5Block(weights, "encoder.block." + i, config, i == 0 || config.biasPerLayer()));
    }
    finalNorm = weights.load("encoder.final_layer_norm.weight", config.dModel());
    buckets = new RelativePositionBuckets(config.relativeBuckets(), config.relativeMaxDistance());
  }

  /** Loads {@code config.json} and the weights ({@code model.safetensors}, sharded or not) of a text_encoder folder. */
  public static T5Encoder load(Path textEncoderFolder, ComputeTarget target) {
    return load(T5Config.read(requireFolder(textEncoderFolder).resolve("config.json")), textEncoderFolder, target);
  }

  /** Loads the weights of {@code folder} for a config already read (e.g. by {@link dev.lemica.text.TextEncoders}). */
  public static T5Encoder load(T5Config config, Path folder, ComputeTarget target) {
    return open(folder, target, weights -> {
      String embeddingName = weights.has(SHARED) ? SHARED : EMBED_TOKENS;
      if (!weights.has(embeddingName)) {
        throw new IllegalArgumentException(folder + ": checkpoint lacks tensor '" + SHARED + "' (nor its tied copy '" + EMBED_TOKENS + "')");
      }
      T5Encoder encoder = new T5Encoder(config, weights, embeddingName);
      encoder.rejectUnused(folder, n -> n.startsWith("encoder.") && !n.equals(EMBED_TOKENS), "encoder",
          "num_layers or model_type (" + config.modelType() + ")");
      return encoder;
    });
  }

  /**
   * The architecture of {@code config} with made-up weights ({@link WeightLoader#random}): for memory
   * and speed measurements of checkpoints not at hand (e.g. {@code T5Config.preset("umt5-xxl")}).
   */
  public static T5Encoder withRandomWeights(T5Config config, ComputeTarget target, long seed) {
    return new T5Encoder(config, WeightLoader.random(target, seed), SHARED);
  }

  public T5Config config() {
    return config;
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
    EncoderInputs.check(inputIds, attentionMask, config.vocabSize());
    ComputeTarget target = weights.target();
    try (InferenceMode inference = new InferenceMode()) {
      Tensor ids = inputIds.to(target.device(), ScalarType.Long);
      int length = (int) ids.size(1);
      Tensor hidden = torch.embedding(embedding, ids);
      ScalarType dtype = hidden.scalar_type();
      Tensor mask = attentionMask == null ? null : AttentionMasks.keys(attentionMask, dtype, target.device());
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

  private static Tensor withMask(Tensor bias, Tensor mask) {
    return mask == null ? bias : bias.add(mask);
  }

}
