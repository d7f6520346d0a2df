package dev.lemica.pipeline.latte;

import dev.lemica.text.PromptText;
import dev.lemica.text.TextEncoderModel;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.text.tokenizer.TokenizedBatch;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LattePipeline's {@code encode_prompt} with {@code mask_feature=True} (pipeline_latte.py 206-353):
 * every text lowercased and stripped, tokenized to 120 tokens with its attention mask, encoded WITH
 * the mask; then for one prompt both embeddings are cut to the prompt's token count (the negative's
 * own mask is ignored), for several the prompt embeddings' pad rows are zeroed by the mask and the
 * negative ones are left as they are. The transformer gets no mask, so this is what decides which
 * rows its cross-attention sees; a prompt alone and the same prompt in a batch are therefore not the
 * same run, as in diffusers.
 */
final class LattePromptEmbeddings {
  /** pipeline_latte.py 257: max_length is hard-coded. */
  static final int MAX_LENGTH = 120;

  private LattePromptEmbeddings() {}

  /** {cond, uncond} (B, L, d_model) float32; uncond is null when {@code negatives} is. */
  static Tensor[] encode(HfTokenizer tokenizer, TextEncoderModel encoder, List<String> prompts, List<String> negatives) {
    TokenizedBatch batch = tokenizer.encode(preprocess(prompts), MAX_LENGTH);
    Tensor mask = batch.maskTensor();
    Tensor cond = encoder.lastHiddenState(batch.idsTensor(), mask).to(ScalarType.Float);
    Tensor uncond = null;
    if (negatives != null) {
      TokenizedBatch negative = tokenizer.encode(preprocess(negatives), MAX_LENGTH);
      uncond = encoder.lastHiddenState(negative.idsTensor(), negative.maskTensor()).to(ScalarType.Float);
    }
    if (prompts.size() == 1) {
      int keep = batch.lengths()[0];
      cond = cond.narrow(1, 0, keep);
      uncond = uncond != null ? uncond.narrow(1, 0, keep) : null;
    } else {
      cond = cond.mul(mask.to(cond.device(), ScalarType.Float).unsqueeze(2));
    }
    return new Tensor[] {cond, uncond};
  }

  /** {@code _text_preprocessing} with clean_caption off (or without bs4/ftfy): {@code text.lower().strip()}. */
  static List<String> preprocess(List<String> texts) {
    return texts.stream().map(t -> PromptText.strip(t.toLowerCase(Locale.ROOT))).toList();
  }
}
