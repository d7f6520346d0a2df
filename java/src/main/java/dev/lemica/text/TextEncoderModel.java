package dev.lemica.text;

import dev.lemica.model.ComputeTarget;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A transformers text encoder loaded from a {@code text_encoder/} folder (see {@link
 * TextEncoders}): token ids in, {@code last_hidden_state} (the final hidden states, after the
 * final norm) out.
 */
public interface TextEncoderModel extends AutoCloseable {
  /** The transformers class it implements, e.g. {@code UMT5EncoderModel}. */
  String className();

  ComputeTarget target();

  /**
   * {@code last_hidden_state} (B, L, hidden) in the compute dtype.
   *
   * @param inputIds int64 (B, L)
   * @param attentionMask int64 (B, L) of 0/1, or null for none
   */
  Tensor lastHiddenState(Tensor inputIds, Tensor attentionMask);

  /**
   * Every output of one forward under transformers' field names ({@code last_hidden_state}, and
   * for CLIP {@code pooler_output}, ...), in the compute dtype: what {@code encode} writes.
   */
  default Map<String, Tensor> outputs(Tensor inputIds, Tensor attentionMask) {
    return Map.of("last_hidden_state", lastHiddenState(inputIds, attentionMask));
  }

  @Override
  void close();
}
