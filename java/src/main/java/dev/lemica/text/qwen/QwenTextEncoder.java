package dev.lemica.text.qwen;

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
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The language model of transformers' {@code Qwen2_5_VLForConditionalGeneration} run on text alone,
 * as Qwen-Image's pipeline uses it: {@code hidden_states[-1]}, which is the output of the final
 * RMSNorm. Loaded from a {@code text_encoder/} folder under either key layout: the current
 * {@code model.language_model.*} or the legacy {@code model.*} the hub checkpoints hold (transformers
 * maps one to the other on load). {@code lm_head} and the vision tower ({@code visual.*},
 * {@code model.visual.*}) are never read.
 *
 * <p>Weights stay memory-mapped and are used in place when their dtype is the compute dtype (bf16
 * checkpoints in a bf16 run on the CPU, fp32 in fp32): nothing is fused or copied at load.
 */
public final class QwenTextEncoder extends LoadedTextEncoder {
  static final String CURRENT = "model.language_model.";
  static final String LEGACY = "model.";

  private final QwenTextConfig config;
  private final Tensor embedTokens;
  private final List<QwenDecoderLayer> layers = new ArrayList<>();
  private final Tensor finalNorm;
  private final MultimodalRope rope;

  private QwenTextEncoder(QwenTextConfig config, WeightLoader w, String prefix) {
    super(w, config.architecture());
    this.config = config;
    embedTokens = w.load(prefix + "embed_tokens.weight", config.vocabSize(), config.hidden());
    for (int i = 0; i < config.layers(); i++) {
      layers.add(new QwenDecoderLayer(w, prefix + "layers." + i, config));
    }
    finalNorm = w.load(prefix + "norm.weight", config.hidden());
    rope = new MultimodalRope(config);
  }

  /** Loads {@code config.json} and the weights ({@code model.safetensors}, usually sharded with an index) of a text_encoder folder. */
  public static QwenTextEncoder load(Path textEncoderFolder, ComputeTarget target) {
    return load(QwenTextConfig.read(requireFolder(textEncoderFolder).resolve("config.json")), textEncoderFolder, target);
  }

  /** Loads the weights of {@code folder} for a config already read (e.g. by {@link dev.lemica.text.TextEncoders}). */
  public static QwenTextEncoder load(QwenTextConfig config, Path folder, ComputeTarget target) {
    return open(folder, target, weights -> {
      String prefix;
      if (weights.has(CURRENT + "embed_tokens.weight")) {
        prefix = CURRENT;
      } else if (weights.has(LEGACY + "embed_tokens.weight")) {
        prefix = LEGACY;
      } else {
        throw new IllegalArgumentException(
            folder + ": checkpoint lacks tensor '" + LEGACY + "embed_tokens.weight' (nor '" + CURRENT + "embed_tokens.weight'): not a Qwen2.5-VL checkpoint");
      }
      QwenTextEncoder encoder = new QwenTextEncoder(config, weights, prefix);
      encoder.rejectUnused(folder, n -> n.startsWith(prefix) && !n.startsWith("model.visual."), "language-model", "num_hidden_layers");
      return encoder;
    });
  }

  /**
   * The architecture of {@code config} with made-up weights ({@link WeightLoader#random}): for memory
   * and speed measurements (e.g. {@code QwenTextConfig.preset("qwen2.5-vl-7b-text")}).
   */
  public static QwenTextEncoder withRandomWeights(QwenTextConfig config, ComputeTarget target, long seed) {
    return new QwenTextEncoder(config, WeightLoader.random(target, seed), CURRENT);
  }

  public QwenTextConfig config() {
    return config;
  }

  /**
   * {@code hidden_states[-1]} (B, L, hidden) in the compute dtype, after the final norm, with the
   * positions of {@link QwenPositions#textOnly}. Padded query rows are computed too (right padding:
   * they see every real token; left padding: they see nothing and their values mean nothing).
   *
   * @param inputIds int64 (B, L)
   * @param attentionMask int64 (B, L) of 0/1, or null for none
   */
  @Override
  public Tensor lastHiddenState(Tensor inputIds, Tensor attentionMask) {
    return lastHiddenState(inputIds, attentionMask, null, BlockObserver.NONE);
  }

  /**
   * As {@link #lastHiddenState(Tensor, Tensor)} with explicit position ids ((3, B, L) per mrope axis,
   * or (B, L) for all three; null for the text-only ones); {@code observer} sees each decoder
   * layer's output (before the final norm).
   */
  public Tensor lastHiddenState(Tensor inputIds, Tensor attentionMask, Tensor positionIds, BlockObserver observer) {
    EncoderInputs.check(inputIds, attentionMask, config.vocabSize());
    Device device = weights.target().device();
    try (InferenceMode inference = new InferenceMode()) {
      Tensor ids = inputIds.to(device, ScalarType.Long);
      long batch = ids.size(0);
      int length = (int) ids.size(1);
      Tensor positions = positionIds == null
          ? QwenPositions.textOnly(attentionMask, batch, length, device)
          : QwenPositions.explicit(positionIds, batch, length, device);
      Tensor hidden = torch.embedding(embedTokens, ids);
      ScalarType dtype = hidden.scalar_type();
      Tensor[] tables = rope.tables(positions, dtype);
      Tensor mask = AttentionMasks.causal(attentionMask, length, dtype, device);
      Tensor last = ScopedBlocks.run(layers.size(), hidden, (i, h) -> layers.get(i).apply(h, tables, mask), observer);
      return Norms.t5LayerNorm(last, finalNorm, config.rmsNormEps());
    }
  }

}
