package dev.lemica.text.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face fast tokenizer folder ({@code tokenizer.json}, with {@code tokenizer_config.json}
 * and {@code special_tokens_map.json} when present), run by the tokenizers library through DJL,
 * offline. {@code tokenizer.json} is checked first (see {@link TokenizerJson}); the settings the
 * library ignores are read from the two config files and applied (see {@link TokenizerSettings}).
 * A folder of a slow byte-level BPE tokenizer ({@code vocab.json} + {@code merges.txt}, no
 * tokenizer.json) is converted in memory as transformers converts it (see
 * {@link SlowTokenizerConversion}).
 */
public final class HfTokenizer implements AutoCloseable {
  private final Path folder;
  private final TokenizerJson json;
  private final TokenizerSettings settings;
  private final String preparedJson;
  private final int padId;
  /** No padding, no truncation: for {@link #unknownWords}. */
  private final HuggingFaceTokenizer plain;
  private final Map<Integer, HuggingFaceTokenizer> byMaxLength = new HashMap<>();
  /** Truncating, not padding: for {@link #encodeLongest}. */
  private final Map<Integer, HuggingFaceTokenizer> unpadded = new HashMap<>();

  private HfTokenizer(Path folder, TokenizerJson json, TokenizerSettings settings) {
    this.folder = folder;
    this.json = json;
    this.settings = settings;
    for (TokenizerSettings.ExtraToken t : settings.specialTokens) {
      if (!json.hasAddedToken(t.content())) {
        json.addSpecialToken(t.content(), t.id(), t.flags());
      }
    }
    padId = settings.padToken == null ? -1 : json.id(settings.padToken).orElse(-1);
    preparedJson = json.withPaddingAndTruncation(Math.max(padId, 0), settings.padToken == null ? "<pad>" : settings.padToken, settings.padLeft, settings.truncateLeft);
    plain = NativeTokenizers.create(preparedJson, Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"), this::fault);
  }

  /**
   * A pipeline's {@code tokenizer/} folder: its {@code tokenizer.json}, or, in a folder without one
   * that holds {@code vocab.json} + {@code merges.txt} (FLUX.1's CLIP tokenizer, Qwen-Image's Qwen2
   * tokenizer), the tokenizer transformers converts from those for the class tokenizer_config.json
   * names ({@code tokenizer_class}).
   */
  public static HfTokenizer load(Path tokenizerFolder) {
    return load(tokenizerFolder, null);
  }

  /**
   * As {@link #load(Path)}, converting {@code vocab.json} + {@code merges.txt} for
   * {@code tokenizerClass} (the class a pipeline's model_index.json names for its tokenizer, e.g.
   * {@code CLIPTokenizer}; null to take tokenizer_config.json's) when there is no tokenizer.json.
   */
  public static HfTokenizer load(Path tokenizerFolder, String tokenizerClass) {
    if (!Files.isDirectory(tokenizerFolder)) {
      throw new IllegalArgumentException(tokenizerFolder + ": no such tokenizer folder");
    }
    TokenizerSettings settings = TokenizerSettings.read(tokenizerFolder);
    Path file = tokenizerFolder.resolve("tokenizer.json");
    boolean slowFiles = Files.isRegularFile(tokenizerFolder.resolve("vocab.json")) && Files.isRegularFile(tokenizerFolder.resolve("merges.txt"));
    if (Files.exists(file) || !slowFiles) {
      return new HfTokenizer(tokenizerFolder, TokenizerJson.read(file), settings);
    }
    String cls = tokenizerClass != null ? tokenizerClass : settings.tokenizerClass;
    switch (cls == null ? "" : cls) {
      case "CLIPTokenizer":
      case "CLIPTokenizerFast": {
        TokenizerSettings clip = settings.withDefaults("<|endoftext|>", "<|startoftext|>", "<|endoftext|>", "<|endoftext|>");
        VocabMerges files = VocabMerges.read(tokenizerFolder, VocabMerges.MergesFormat.CLIP);
        TokenizerJson json = TokenizerJson.of(files.vocabFile(), SlowTokenizerConversion.clip(files, clip.bosToken, clip.eosToken, clip.unkToken));
        return new HfTokenizer(tokenizerFolder, json, clip);
      }
      case "Qwen2Tokenizer":
      case "Qwen2TokenizerFast": {
        TokenizerSettings qwen = settings.withDefaults("<|endoftext|>", null, "<|endoftext|>", "<|endoftext|>");
        VocabMerges files = VocabMerges.read(tokenizerFolder, VocabMerges.MergesFormat.GPT2);
        return new HfTokenizer(tokenizerFolder, TokenizerJson.of(files.vocabFile(), SlowTokenizerConversion.qwen2(files)), qwen);
      }
      default:
        throw new IllegalArgumentException(
            tokenizerFolder + ": has no tokenizer.json, and its vocab.json + merges.txt are converted for CLIPTokenizer and Qwen2Tokenizer only"
                + (cls == null ? " (tokenizer_config.json names no tokenizer_class)" : " (the tokenizer class is '" + cls + "')"));
    }
  }

  public Path folder() {
    return folder;
  }

  /**
   * As transformers' {@code tokenizer(texts, padding="max_length", max_length=maxLength,
   * truncation=True, add_special_tokens=True)}: every row exactly {@code maxLength} long, padded
   * on the configured side with the pad token (mask 0), special tokens (T5's {@code </s>}) kept
   * when the text is cut.
   */
  public synchronized TokenizedBatch encode(List<String> texts, int maxLength) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("max length must be at least 1, got " + maxLength);
    }
    requirePad();
    HuggingFaceTokenizer tokenizer = truncating(byMaxLength, maxLength, "max_length");
    long[][] ids = new long[texts.size()][];
    long[][] mask = new long[texts.size()][];
    for (int i = 0; i < texts.size(); i++) {
      Encoding e = encodeOne(tokenizer, texts.get(i), true);
      ids[i] = e.getIds();
      mask[i] = e.getAttentionMask();
      if (ids[i].length != maxLength) {
        throw new IllegalStateException("tokenizer returned " + ids[i].length + " ids for max length " + maxLength);
      }
    }
    return new TokenizedBatch(ids, mask);
  }

  /**
   * As transformers' {@code tokenizer(texts, padding=True, max_length=maxLength, truncation=True)}:
   * each text cut to {@code maxLength} tokens (special tokens kept), then every row padded to the
   * longest one on the configured side with the pad token (mask 0).
   */
  public synchronized TokenizedBatch encodeLongest(List<String> texts, int maxLength) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("max length must be at least 1, got " + maxLength);
    }
    requirePad();
    HuggingFaceTokenizer tokenizer = truncating(unpadded, maxLength, "false");
    long[][] rows = new long[texts.size()][];
    int longest = 0;
    for (int i = 0; i < texts.size(); i++) {
      rows[i] = encodeOne(tokenizer, texts.get(i), true).getIds();
      longest = Math.max(longest, rows[i].length);
    }
    long[][] ids = new long[rows.length][longest];
    long[][] mask = new long[rows.length][longest];
    for (int i = 0; i < rows.length; i++) {
      int pad = longest - rows[i].length;
      int start = settings.padLeft ? pad : 0;
      java.util.Arrays.fill(ids[i], padId);
      System.arraycopy(rows[i], 0, ids[i], start, rows[i].length);
      java.util.Arrays.fill(mask[i], start, start + rows[i].length, 1L);
    }
    return new TokenizedBatch(ids, mask);
  }

  /**
   * Words of {@code text} (as split on whitespace) that hold a piece the tokenizer maps to its
   * unknown token, in order, each once: worth a warning, since the model sees them all as one
   * token. Empty when there are none or the model has no unknown token (byte-level BPE).
   */
  public synchronized List<String> unknownWords(String text) {
    if (json.unkId() < 0 || text.isEmpty()) {
      return List.of();
    }
    String clean = withoutLoneSurrogates(text);
    Encoding e = encodeOne(plain, clean, false);
    long[] ids = e.getIds();
    CharSpan[] spans = e.getCharTokenSpans();
    Set<String> words = new LinkedHashSet<>();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == json.unkId() && spans[i] != null) {
        // Offsets count Unicode code points; Java strings count UTF-16 units.
        int start = clean.offsetByCodePoints(0, Math.min(spans[i].getStart(), clean.codePointCount(0, clean.length())));
        int end = clean.offsetByCodePoints(0, Math.min(spans[i].getEnd(), clean.codePointCount(0, clean.length())));
        words.add(wordAround(clean, start, Math.max(end, start)));
      }
    }
    words.remove("");
    return new ArrayList<>(words);
  }

  /** The native tokenizer that adds special tokens and cuts at {@code maxLength}, padding as {@code padding} says; one per length. */
  private HuggingFaceTokenizer truncating(Map<Integer, HuggingFaceTokenizer> cache, int maxLength, String padding) {
    return cache.computeIfAbsent(maxLength, m -> NativeTokenizers.create(
        preparedJson,
        Map.of("addSpecialTokens", "true", "padding", padding, "truncation", "true",
            "maxLength", Integer.toString(m), "modelMaxLength", Integer.toString(m)),
        this::fault));
  }

  private void requirePad() {
    if (padId < 0) {
      throw new IllegalArgumentException(
          folder + ": no pad token (tokenizer_config.json and special_tokens_map.json name none, or it is not in tokenizer.json), so it cannot pad");
    }
  }

  /** {@code model_max_length} of tokenizer_config.json, empty when absent or transformers' "no limit" (1e30). */
  public OptionalInt modelMaxLength() {
    return settings.modelMaxLength;
  }

  private Encoding encodeOne(HuggingFaceTokenizer tokenizer, String text, boolean special) {
    try {
      return tokenizer.encode(withoutLoneSurrogates(text), special, false);
    } catch (RuntimeException e) {
      throw fault("cannot encode " + quote(text) + ": " + NativeTokenizers.firstLine(e.getMessage()));
    }
  }

  private static String wordAround(String text, int start, int end) {
    int from = start;
    while (from > 0 && !Character.isWhitespace(text.charAt(from - 1))) {
      from--;
    }
    int to = end;
    while (to < text.length() && !Character.isWhitespace(text.charAt(to))) {
      to++;
    }
    return text.substring(from, to).strip();
  }

  /** The JNI layer turns a lone surrogate into three replacement characters and shifts every offset after it. */
  static String withoutLoneSurrogates(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      if (paired) {
        if (out != null) {
          out.append(c).append(s.charAt(i + 1));
        }
        i++;
      } else if (Character.isSurrogate(c)) {
        if (out == null) {
          out = new StringBuilder(s.substring(0, i));
        }
        out.append('\uFFFD');
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }

  private static String quote(String s) {
    return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s).replace("\n", "\\n") + "\"";
  }

  private IllegalArgumentException fault(String what) {
    return new IllegalArgumentException(json.file() + ": " + what);
  }

  @Override
  public synchronized void close() {
    plain.close();
    byMaxLength.values().forEach(HuggingFaceTokenizer::close);
    byMaxLength.clear();
    unpadded.values().forEach(HuggingFaceTokenizer::close);
    unpadded.clear();
  }
}
