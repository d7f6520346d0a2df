package dev.lemica.text;

import dev.lemica.safetensors.SafetensorsFile;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Embeddings computed by the model's real text encoder elsewhere (e.g. UMT5 for Wan), saved as
 * safetensors with diffusers' pipeline argument names: {@code prompt_embeds} and
 * {@code negative_prompt_embeds}, each (batch, tokens, dim).
 */
public final class PrecomputedEmbeddings {
  public static final String COND = "prompt_embeds";
  public static final String UNCOND = "negative_prompt_embeds";

  private PrecomputedEmbeddings() {}

  public static PromptEmbeddings read(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (String name : new String[] {COND, UNCOND}) {
        if (!f.names().contains(name)) {
          throw new IllegalArgumentException(file + ": lacks tensor '" + name + "' (needs " + COND + " and " + UNCOND + ")");
        }
      }
      Tensor cond = f.tensor(COND).to(ScalarType.Float).clone();
      Tensor uncond = f.tensor(UNCOND).to(ScalarType.Float).clone();
      try {
        return new PromptEmbeddings(cond, uncond);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage());
      }
    }
  }
}
