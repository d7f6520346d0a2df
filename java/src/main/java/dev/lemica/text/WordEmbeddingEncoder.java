package dev.lemica.text;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A word-embedding table as text encoder (the shapes model's): each token id selects a row of
 * {@code embedding.weight}. The unconditional prompt is the empty prompt, all {@code <pad>}.
 */
public final class WordEmbeddingEncoder implements TextEncoder {
  private final WordTokenizer tokenizer;
  private final Tensor table;

  private WordEmbeddingEncoder(WordTokenizer tokenizer, Tensor table) {
    this.tokenizer = tokenizer;
    this.table = table;
  }

  /** Reads {@code tokenizer.json} and {@code model.safetensors} from a text_encoder folder. */
  public static WordEmbeddingEncoder read(Path folder) {
    WordTokenizer tokenizer = WordTokenizer.read(folder.resolve("tokenizer.json"));
    Path weights = folder.resolve("model.safetensors");
    try (SafetensorsFile f = SafetensorsFile.open(weights)) {
      long[] shape = f.describe("embedding.weight").shape();
      if (shape.length != 2 || shape[0] < tokenizer.vocabularySize()) {
        throw new IllegalArgumentException(
            weights + ": embedding.weight must be (vocabulary " + tokenizer.vocabularySize() + "+, dim), got "
                + java.util.Arrays.toString(shape));
      }
      Tensor table = f.tensor("embedding.weight").to(ScalarType.Float).clone();
      table.retainReference();
      return new WordEmbeddingEncoder(tokenizer, table);
    }
  }

  public WordTokenizer tokenizer() {
    return tokenizer;
  }

  /** Token ids of each prompt, (batch, max_length) int64. */
  public Tensor tokenIds(List<String> prompts) {
    int length = tokenizer.maxLength();
    long[] ids = new long[prompts.size() * length];
    for (int i = 0; i < prompts.size(); i++) {
      System.arraycopy(tokenizer.tokenize(prompts.get(i)), 0, ids, i * length, length);
    }
    return Tensors.fromLongs(ids, prompts.size(), length);
  }

  public Tensor embed(Tensor tokenIds) {
    return torch.embedding(table, tokenIds);
  }

  @Override
  public PromptEmbeddings encode(List<String> prompts) {
    List<String> empty = java.util.Collections.nCopies(prompts.size(), "");
    return new PromptEmbeddings(embed(tokenIds(prompts)), embed(tokenIds(empty)));
  }
}
