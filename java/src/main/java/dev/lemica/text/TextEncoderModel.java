package dev.lemica.text;

import dev.lemica.model.ComputeTarget;
import org.bytedeco.pytorch.Tensor;

/**
 * A transformers text encoder loaded from a {@code text_encoder/} folder (see {@link
 * TextEncoders}): token ids in, {@code last_hidden_state} out.
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

  @Override
  void close();
}
