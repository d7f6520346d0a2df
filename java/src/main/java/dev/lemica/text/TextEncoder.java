package dev.lemica.text;

import java.util.List;

/**
 * Turns prompts into the embeddings a transformer attends to. Real Wan and FLUX use T5 or
 * Qwen2.5-VL encoders that this project does not run; for those, {@link PrecomputedEmbeddings}
 * reads embeddings computed elsewhere.
 */
public interface TextEncoder {
  PromptEmbeddings encode(List<String> prompts);
}
