package dev.lemica.text.qwen;

import dev.lemica.text.TextEncoderModel;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.text.tokenizer.TokenizedBatch;
import dev.lemica.torch.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Qwen-Image's prompt embeddings, as QwenImagePipeline makes them: the prompt inside a chat
 * template, the encoder's last hidden states of the real tokens with the template's system part
 * dropped, zero-padded to the longest row, and their mask.
 */
public final class QwenPromptEmbeddings {
  /** QwenImagePipeline.prompt_template_encode: the prompt goes where {@code {}} is, verbatim. */
  public static final String TEMPLATE =
      "<|im_start|>system\nDescribe the image by detailing the color, shape, size, texture, quantity, text, spatial relationships of the objects and background:<|im_end|>\n<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n";
  /** QwenImagePipeline.prompt_template_encode_start_idx: the tokens of the template before the prompt. */
  public static final int DROP_IDX = 34;
  /** QwenImagePipeline.tokenizer_max_length. */
  public static final int TOKENIZER_MAX_LENGTH = 1024;
  /** encode_prompt's default max_sequence_length. */
  public static final int MAX_SEQUENCE_LENGTH = 1024;

  /**
   * @param embeds (B, T, hidden) float32: each row's kept states, then zeros
   * @param mask (B, T) int64: 1 on kept states, 0 on the zero padding
   */
  public record Embeddings(Tensor embeds, Tensor mask) {
    /**
     * The mask as encode_prompt passes it on: null when it is all ones (every row equally long),
     * which the transformer treats as "attend to everything".
     */
    public Tensor maskOrNull() {
      return mask.numel() == 0 || mask.all().item_bool() ? null : mask;
    }
  }

  private QwenPromptEmbeddings() {}

  /** {@link #TEMPLATE} with the prompt in place (Python's {@code str.format}: braces inside the prompt stay as they are). */
  public static String templated(String prompt) {
    int at = TEMPLATE.indexOf("{}");
    return TEMPLATE.substring(0, at) + prompt + TEMPLATE.substring(at + 2);
  }

  /** {@link #embed(HfTokenizer, TextEncoderModel, List, int)} with max_sequence_length 1024. */
  public static Embeddings embed(HfTokenizer tokenizer, TextEncoderModel encoder, List<String> prompts) {
    return embed(tokenizer, encoder, prompts, MAX_SEQUENCE_LENGTH);
  }

  /**
   * QwenImagePipeline.encode_prompt with num_images_per_prompt = 1: template each prompt, tokenize
   * with padding to the longest row and truncation at 1024 + 34 tokens, run the encoder with the
   * mask, keep each row's real tokens after the first 34, zero-pad, then cut both to
   * {@code maxSequenceLength}.
   */
  public static Embeddings embed(HfTokenizer tokenizer, TextEncoderModel encoder, List<String> prompts, int maxSequenceLength) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts to encode");
    }
    if (maxSequenceLength < 1) {
      throw new IllegalArgumentException("max_sequence_length must be at least 1, got " + maxSequenceLength);
    }
    List<String> texts = prompts.stream().map(QwenPromptEmbeddings::templated).toList();
    TokenizedBatch batch = tokenizer.encodeLongest(texts, TOKENIZER_MAX_LENGTH + DROP_IDX);
    Embeddings all = fromTokens(encoder, batch.idsTensor(), batch.maskTensor(), DROP_IDX);
    long keep = Math.min(maxSequenceLength, all.embeds().size(1));
    return new Embeddings(all.embeds().narrow(1, 0, keep), all.mask().narrow(1, 0, keep));
  }

  /**
   * _get_qwen_prompt_embeds after tokenizing: run the encoder on (ids, mask), take each row's
   * attended positions in order (either padding side), drop the first {@code dropIdx}, zero-pad to
   * the longest row.
   */
  public static Embeddings fromTokens(TextEncoderModel encoder, Tensor ids, Tensor mask, int dropIdx) {
    if (dropIdx < 0) {
      throw new IllegalArgumentException("drop_idx must not be negative, got " + dropIdx);
    }
    Tensor hidden = encoder.lastHiddenState(ids, mask).to(ScalarType.Float);
    long batch = hidden.size(0);
    long length = hidden.size(1);
    long width = hidden.size(2);
    long[] m = Tensors.toLongs(mask);
    long[][] kept = new long[(int) batch][];
    int longest = 0;
    for (int b = 0; b < batch; b++) {
      long[] valid = new long[(int) length];
      int n = 0;
      for (int i = 0; i < length; i++) {
        if (m[(int) (b * length + i)] != 0) {
          valid[n++] = b * length + i;
        }
      }
      kept[b] = n > dropIdx ? java.util.Arrays.copyOfRange(valid, dropIdx, n) : new long[0];
      longest = Math.max(longest, kept[b].length);
    }
    // Gather the kept rows of the flattened states; padding reads an appended zero row.
    long zeroRow = batch * length;
    long[] index = new long[(int) batch * longest];
    long[] outMask = new long[(int) batch * longest];
    java.util.Arrays.fill(index, zeroRow);
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < kept[b].length; i++) {
        index[b * longest + i] = kept[b][i];
        outMask[b * longest + i] = 1;
      }
    }
    Device device = hidden.device();
    Tensor zeros = torch.zeros(new long[] {1, width}, new TensorOptions(ScalarType.Float).device(new DeviceOptional(device)));
    Tensor table = torch.cat(new TensorVector(hidden.flatten(0, 1), zeros), 0);
    Tensor embeds = table.index_select(0, Tensors.fromLongs(index, index.length).to(device, ScalarType.Long)).view(batch, longest, width);
    return new Embeddings(embeds, Tensors.fromLongs(outMask, batch, longest));
  }

}
