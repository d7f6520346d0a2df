package dev.lemica.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The shapes model's tokenizer rule: lowercase, commas to spaces, split on whitespace, unknown words
 * to {@code <unk>}, truncate or pad with {@code <pad>} to {@code max_length}.
 */
public final class WordTokenizer {
  private final Map<String, Integer> ids = new HashMap<>();
  private final int maxLength;
  private final int padId;
  private final int unkId;

  private WordTokenizer(JsonNode vocab, int maxLength, int padId, int unkId) {
    for (int i = 0; i < vocab.size(); i++) {
      ids.put(vocab.get(i).asText(), i);
    }
    this.maxLength = maxLength;
    this.padId = padId;
    this.unkId = unkId;
  }

  public static WordTokenizer read(Path file) {
    JsonNode root = StrictJson.readObject(file);
    if (root == null || !"word-embedding".equals(root.path("kind").asText())) {
      throw new IllegalArgumentException(file + ": not a word-embedding tokenizer (\"kind\" must be \"word-embedding\")");
    }
    JsonNode vocab = root.get("vocab");
    if (vocab == null || !vocab.isArray() || vocab.isEmpty()) {
      throw new IllegalArgumentException(file + ": missing \"vocab\" array");
    }
    for (String key : new String[] {"max_length", "pad_id", "unk_id"}) {
      JsonNode v = root.get(key);
      if (v == null || !v.isInt() || v.asInt() < 0 || (!key.equals("max_length") && v.asInt() >= vocab.size())) {
        throw new IllegalArgumentException(file + ": \"" + key + "\" missing or out of range");
      }
    }
    return new WordTokenizer(vocab, root.get("max_length").asInt(), root.get("pad_id").asInt(), root.get("unk_id").asInt());
  }

  public int maxLength() {
    return maxLength;
  }

  public int vocabularySize() {
    return ids.size();
  }

  public long[] tokenize(String prompt) {
    long[] out = new long[maxLength];
    java.util.Arrays.fill(out, padId);
    String text = prompt.toLowerCase(Locale.ROOT).replace(',', ' ').trim();
    if (text.isEmpty()) {
      return out;
    }
    String[] words = text.split("\\s+");
    for (int i = 0; i < Math.min(words.length, maxLength); i++) {
      out[i] = ids.getOrDefault(words[i], unkId);
    }
    return out;
  }

  /** Words of the prompt outside the vocabulary: worth a warning, since they all become {@code <unk>}. */
  public java.util.List<String> unknownWords(String prompt) {
    String text = prompt.toLowerCase(Locale.ROOT).replace(',', ' ').trim();
    java.util.List<String> unknown = new java.util.ArrayList<>();
    if (!text.isEmpty()) {
      for (String w : text.split("\\s+")) {
        if (!ids.containsKey(w)) {
          unknown.add(w);
        }
      }
    }
    return unknown;
  }
}
