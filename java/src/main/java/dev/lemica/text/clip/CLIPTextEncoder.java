package dev.lemica.text.clip;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Norms;
import dev.lemica.text.AttentionMasks;
import dev.lemica.text.EncoderInputs;
import dev.lemica.text.LoadedTextEncoder;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * transformers' {@code CLIPTextModel} (FLUX.1's {@code text_encoder}, CLIP ViT-L/14's text tower)
 * and {@code CLIPTextModelWithProjection}, loaded from a {@code text_encoder/} folder under the
 * transformers names ({@code text_model.*}; {@code text_model.embeddings.position_ids} and, for
 * CLIPTextModel, {@code text_projection} are ignored).
 *
 * <p>Learned token and position embeddings, pre-LN layers with a causal mask (and the padding
 * mask when one is given), a final layer norm, and the pooled output at each row's end token
 * ({@link #pooledIndex}).
 */
public final class CLIPTextEncoder extends LoadedTextEncoder {
  private static final String PREFIX = "text_model.";
  /** CLIP's end-of-text id; transformers pools at the first maximal id whenever every row holds it. */
  static final long EOT = 49407;

  private final CLIPTextConfig config;
  private final Tensor tokenEmbedding;
  private final Tensor positionEmbedding;
  private final List<CLIPEncoderLayer> layers = new ArrayList<>();
  private final Tensor finalNormWeight;
  private final Tensor finalNormBias;
  private final Linear projection;

  private CLIPTextEncoder(CLIPTextConfig config, WeightLoader w) {
    super(w, config.architecture());
    this.config = config;
    tokenEmbedding = w.load(PREFIX + "embeddings.token_embedding.weight", config.vocabSize(), config.hidden());
    positionEmbedding = w.load(PREFIX + "embeddings.position_embedding.weight", config.maxPositions(), config.hidden());
    for (int i = 0; i < config.layers(); i++) {
      layers.add(new CLIPEncoderLayer(w, PREFIX + "encoder.layers." + i, config));
    }
    finalNormWeight = w.load(PREFIX + "final_layer_norm.weight", config.hidden());
    finalNormBias = w.load(PREFIX + "final_layer_norm.bias", config.hidden());
    projection = config.withProjection()
        ? new Linear(w.load("text_projection.weight", config.projectionDim(), config.hidden()), null)
        : null;
  }

  /** Loads {@code config.json} and the weights ({@code model.safetensors}, sharded or not) of a text_encoder folder. */
  public static CLIPTextEncoder load(Path textEncoderFolder, ComputeTarget target) {
    return load(CLIPTextConfig.read(requireFolder(textEncoderFolder).resolve("config.json")), textEncoderFolder, target);
  }

  /** Loads the weights of {@code folder} for a config already read (e.g. by {@link dev.lemica.text.TextEncoders}). */
  public static CLIPTextEncoder load(CLIPTextConfig config, Path folder, ComputeTarget target) {
    return open(folder, target, weights -> {
      CLIPTextEncoder encoder = new CLIPTextEncoder(config, weights);
      encoder.rejectUnused(folder, n -> n.startsWith(PREFIX) && !n.equals(PREFIX + "embeddings.position_ids"), "text_model", "num_hidden_layers");
      return encoder;
    });
  }

  /**
   * The architecture of {@code config} with made-up weights ({@link WeightLoader#random}): for memory
   * and speed measurements (e.g. {@code CLIPTextConfig.preset("clip-vit-large-patch14")}).
   */
  public static CLIPTextEncoder withRandomWeights(CLIPTextConfig config, ComputeTarget target, long seed) {
    return new CLIPTextEncoder(config, WeightLoader.random(target, seed));
  }

  public CLIPTextConfig config() {
    return config;
  }

  /**
   * {@code last_hidden_state} (B, L, hidden) in the compute dtype.
   *
   * @param inputIds int64 (B, L), L ≤ max_position_embeddings
   * @param attentionMask int64 (B, L) of 0/1, or null (FLUX passes none: only the causal mask applies)
   */
  @Override
  public Tensor lastHiddenState(Tensor inputIds, Tensor attentionMask) {
    return forward(inputIds, attentionMask, BlockObserver.NONE).lastHiddenState();
  }

  /** {@code pooler_output} (B, hidden) of a forward without attention mask, as FluxPipeline calls it. */
  public Tensor pooledOutput(Tensor inputIds) {
    return forward(inputIds, null, BlockObserver.NONE).pooledOutput();
  }

  /** {@code text_embeds} (B, projection_dim) = text_projection(pooler_output): CLIPTextModelWithProjection only. */
  public Tensor textEmbeds(Tensor pooledOutput) {
    if (projection == null) {
      throw new IllegalStateException(config.architecture() + " has no text_projection (CLIPTextModelWithProjection has)");
    }
    return projection.apply(pooledOutput);
  }

  @Override
  public Map<String, Tensor> outputs(Tensor inputIds, Tensor attentionMask) {
    CLIPTextOutput out = forward(inputIds, attentionMask, BlockObserver.NONE);
    Map<String, Tensor> named = new LinkedHashMap<>();
    named.put("last_hidden_state", out.lastHiddenState());
    named.put("pooler_output", out.pooledOutput());
    if (projection != null) {
      named.put("text_embeds", textEmbeds(out.pooledOutput()));
    }
    return named;
  }

  /** {@code embeddings(input_ids)}: token embedding plus the position embedding of 0..L−1. */
  public Tensor embeddings(Tensor inputIds) {
    checkInputs(inputIds, null);
    try (InferenceMode inference = new InferenceMode()) {
      return embed(inputIds.to(weights.target().device(), ScalarType.Long));
    }
  }

  /** One forward; {@code observer} sees each encoder layer's output (before the final layer norm). */
  public CLIPTextOutput forward(Tensor inputIds, Tensor attentionMask, BlockObserver observer) {
    checkInputs(inputIds, attentionMask);
    long[] pooledAt = pooledIndex(Tensors.toLongs(inputIds), inputIds.size(1));
    Device device = weights.target().device();
    try (InferenceMode inference = new InferenceMode()) {
      Tensor ids = inputIds.to(device, ScalarType.Long);
      Tensor hidden = embed(ids);
      Tensor mask = AttentionMasks.causal(attentionMask, (int) ids.size(1), hidden.scalar_type(), device);
      Tensor last = ScopedBlocks.run(layers.size(), hidden, (i, h) -> layers.get(i).apply(h, mask), observer);
      Tensor normed = Norms.layerNorm(last, finalNormWeight, finalNormBias, config.layerNormEps());
      long length = ids.size(1);
      long[] flat = new long[pooledAt.length];
      for (int b = 0; b < flat.length; b++) {
        flat[b] = b * length + pooledAt[b];
      }
      Tensor index = Tensors.fromLongs(flat, flat.length).to(device, ScalarType.Long);
      Tensor pooled = normed.flatten(0, 1).index_select(0, index);
      return new CLIPTextOutput(normed, pooled);
    }
  }

  private Tensor embed(Tensor ids) {
    Tensor positions = torch.arange(new Scalar(ids.size(1)), new TensorOptions(ScalarType.Long).device(new DeviceOptional(ids.device())));
    return torch.embedding(tokenEmbedding, ids).add(torch.embedding(positionEmbedding, positions).unsqueeze(0));
  }

  /**
   * The position each row's pooled output is taken at, by transformers' rule: when every row's
   * largest id is 49407 (CLIP's end of text), the first position of that largest id; else the first
   * position of {@code config.eos_token_id} (0 when a row lacks it). Real checkpoints (FLUX.1's,
   * openai/clip-vit-large-patch14's) carry {@code eos_token_id: 2}, which is not the end token: the
   * older transformers rule took the largest id whenever the config says 2, and so does this one,
   * so those configs never pool at the bos row.
   *
   * @param ids row-major (B, L) ids
   */
  public long[] pooledIndex(long[] ids, long length) {
    int batch = (int) (ids.length / length);
    boolean allEot = true;
    for (int b = 0; b < batch; b++) {
      allEot &= rowMax(ids, b, length) == EOT;
    }
    boolean byMax = allEot || config.eosTokenId() == 2;
    long[] out = new long[batch];
    for (int b = 0; b < batch; b++) {
      long target = byMax ? rowMax(ids, b, length) : config.eosTokenId();
      for (int i = 0; i < length; i++) {
        if (ids[(int) (b * length + i)] == target) {
          out[b] = i;
          break;
        }
      }
    }
    return out;
  }

  private static long rowMax(long[] ids, int row, long length) {
    long max = Long.MIN_VALUE;
    for (int i = 0; i < length; i++) {
      max = Math.max(max, ids[(int) (row * length + i)]);
    }
    return max;
  }

  private void checkInputs(Tensor ids, Tensor mask) {
    EncoderInputs.check(ids, mask, config.vocabSize());
    if (ids.size(1) > config.maxPositions()) {
      throw new IllegalArgumentException(
          "input_ids have " + ids.size(1) + " tokens, more than max_position_embeddings " + config.maxPositions());
    }
  }

}
