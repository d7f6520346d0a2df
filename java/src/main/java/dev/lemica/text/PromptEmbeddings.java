package dev.lemica.text;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Text conditioning for a batch: {@code cond} for the prompts, {@code uncond} for classifier-free
 * guidance's unconditional branch, each (batch, tokens, dim).
 */
public record PromptEmbeddings(Tensor cond, Tensor uncond) {
  public PromptEmbeddings {
    if (cond.dim() != 3 || uncond.dim() != 3 || cond.size(0) != uncond.size(0) || cond.size(2) != uncond.size(2)) {
      throw new IllegalArgumentException(
          "prompt embeddings must both be (batch, tokens, dim) with the same batch and dim, got "
              + Tensors.shapeString(cond) + " and " + Tensors.shapeString(uncond));
    }
  }

  public long batch() {
    return cond.size(0);
  }

  /** Rows [from, to) of both: one prompt's share of a batch. */
  public PromptEmbeddings rows(long from, long to) {
    return new PromptEmbeddings(cond.narrow(0, from, to - from), uncond.narrow(0, from, to - from));
  }
}
