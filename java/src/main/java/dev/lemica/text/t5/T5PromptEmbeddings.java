package dev.lemica.text.t5;

import dev.lemica.text.PromptText;
import dev.lemica.text.TextEncoderModel;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.text.tokenizer.TokenizedBatch;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** T5 prompt embeddings as the diffusers pipelines make them. */
public final class T5PromptEmbeddings {
  private T5PromptEmbeddings() {}

  /**
   * WanPipeline._get_t5_prompt_embeds: clean ({@link PromptText#cleanWan}), tokenize to
   * {@code maxLength} (mask on), encode, keep each row's first seq_len rows, zero-pad to
   * {@code maxLength}. (B, maxLength, d_model) float32.
   */
  public static Tensor trimmedAndZeroPadded(HfTokenizer tokenizer, T5Encoder encoder, List<String> prompts, int maxLength) {
    List<String> cleaned = prompts.stream().map(PromptText::cleanWan).toList();
    return trimmedAndZeroPadded(encoder, tokenizer.encode(cleaned, maxLength), maxLength);
  }

  /**
   * The encode / trim / zero-pad part of {@link #trimmedAndZeroPadded(HfTokenizer, T5Encoder, List,
   * int)} on ids already tokenized (no cleaning): rows at and after each row's mask count are
   * zeros, not the encoder's values there. (B, maxLength, hidden) float32.
   */
  public static Tensor trimmedAndZeroPadded(TextEncoderModel encoder, TokenizedBatch batch, int maxLength) {
    return trimmedAndZeroPadded(encoder, batch.idsTensor(), batch.maskTensor(), maxLength);
  }

  /** As {@link #trimmedAndZeroPadded(TextEncoderModel, TokenizedBatch, int)} on (B, L) int64 tensors. */
  public static Tensor trimmedAndZeroPadded(TextEncoderModel encoder, Tensor ids, Tensor mask, int maxLength) {
    if (ids.size(1) > maxLength) {
      throw new IllegalArgumentException("input_ids have " + ids.size(1) + " tokens, more than max length " + maxLength);
    }
    Tensor hidden = encoder.lastHiddenState(ids, mask).to(ScalarType.Float);
    long batch = hidden.size(0);
    long width = hidden.size(1);
    // diffusers takes the FIRST mask.sum() rows (it assumes right padding, which T5 tokenizers use).
    Tensor lengths = mask.to(hidden.device(), ScalarType.Long).gt(new Scalar(0)).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
    Tensor positions = torch.arange(new Scalar(width), new TensorOptions(ScalarType.Long).device(new org.bytedeco.pytorch.DeviceOptional(hidden.device())));
    Tensor keep = positions.unsqueeze(0).lt(lengths.unsqueeze(1)).unsqueeze(2);
    Tensor trimmed = torch.where(keep, hidden, new Scalar(0.0));
    if (width == maxLength) {
      return trimmed;
    }
    Tensor zeros = torch.zeros(new long[] {batch, maxLength - width, hidden.size(2)}, new TensorOptions(ScalarType.Float).device(new org.bytedeco.pytorch.DeviceOptional(hidden.device())));
    org.bytedeco.pytorch.TensorVector parts = new org.bytedeco.pytorch.TensorVector(trimmed, zeros);
    return torch.cat(parts, 1);
  }

  /**
   * FluxPipeline / CogVideoXPipeline._get_t5_prompt_embeds: tokenize to {@code maxLength} (padded,
   * truncated), encode WITHOUT the attention mask (pads are attended) and keep every row. The
   * prompts are used as given: those pipelines clean nothing. (B, maxLength, d_model) float32.
   */
  public static Tensor unmasked(HfTokenizer tokenizer, TextEncoderModel encoder, List<String> prompts, int maxLength) {
    TokenizedBatch batch = tokenizer.encode(prompts, maxLength);
    return encoder.lastHiddenState(batch.idsTensor(), null).to(ScalarType.Float);
  }
}
