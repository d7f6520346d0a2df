package dev.lemica.text.clip;

import dev.lemica.text.tokenizer.HfTokenizer;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** CLIP's pooled prompt embedding as FluxPipeline makes it. */
public final class ClipPromptEmbeddings {
  /** FluxPipeline's tokenizer_max_length when the tokenizer names no model_max_length. */
  public static final int DEFAULT_MAX_LENGTH = 77;

  private ClipPromptEmbeddings() {}

  /**
   * FluxPipeline._get_clip_prompt_embeds with num_images_per_prompt = 1: tokenize to the
   * tokenizer's model_max_length (77) with padding="max_length" and truncation (an overlong prompt
   * is cut, keeping the end token; the pipeline only warns), run the encoder WITHOUT an attention
   * mask and take {@code pooler_output}. Prompts are used as given. (B, hidden) float32.
   */
  public static Tensor pooled(HfTokenizer tokenizer, CLIPTextEncoder encoder, List<String> prompts) {
    return pooled(tokenizer, encoder, prompts, 1);
  }

  /** As {@link #pooled(HfTokenizer, CLIPTextEncoder, List)}, each prompt's row repeated {@code numImagesPerPrompt} times in place (rows p0, p0, p1, p1, ...). */
  public static Tensor pooled(HfTokenizer tokenizer, CLIPTextEncoder encoder, List<String> prompts, int numImagesPerPrompt) {
    if (numImagesPerPrompt < 1) {
      throw new IllegalArgumentException("num_images_per_prompt must be at least 1, got " + numImagesPerPrompt);
    }
    int maxLength = tokenizer.modelMaxLength().orElse(DEFAULT_MAX_LENGTH);
    Tensor pooled = encoder.pooledOutput(tokenizer.encode(prompts, maxLength).idsTensor()).to(ScalarType.Float);
    return perImage(pooled, numImagesPerPrompt);
  }

  /** {@code x.repeat(1, n).view(B * n, -1)}: each row n times in place. */
  static Tensor perImage(Tensor rows, int n) {
    if (n == 1) {
      return rows;
    }
    long b = rows.size(0);
    long h = rows.size(1);
    return rows.unsqueeze(1).expand(b, n, h).reshape(b * n, h);
  }
}
