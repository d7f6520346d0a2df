package dev.lemica.text;

import java.util.List;

/**
 * Turns prompts into the embeddings a transformer attends to. The transformers encoders real
 * pipelines use (T5 / UMT5, CLIP, Qwen2.5-VL) load through {@link TextEncoders}; {@link
 * PrecomputedEmbeddings} reads embeddings computed elsewhere.
 */
public interface TextEncoder {
  PromptEmbeddings encode(List<String> prompts);
}
