package dev.lemica.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code vocab.json} + {@code merges.txt} pair of a "slow" byte-level BPE tokenizer folder
 * (CLIPTokenizer, Qwen2Tokenizer), checked before the tokenizers library sees them: a vocabulary
 * of token → distinct non-negative id, and merges of two tokens each whose parts and result are
 * all in the vocabulary. A fault is one line naming the file (and the line of merges.txt).
 *
 * @param merges in rank order, each "left right"
 */
record VocabMerges(Path vocabFile, Path mergesFile, Map<String, Integer> vocab, List<String> merges) {

  /** How the slow tokenizer class reads merges.txt. */
  enum MergesFormat {
    /**
     * CLIPTokenizer: the first line is the "#version" header, and at most 49152 − 256 − 2 merges
     * are read (what CLIP's vocabulary of 49408 holds room for).
     */
    CLIP(49152 - 256 - 2),
    /** Qwen2Tokenizer / GPT-2: a first line starting "#version:" and empty lines are skipped; no limit. */
    GPT2(Integer.MAX_VALUE);

    final int maxMerges;

    MergesFormat(int maxMerges) {
      this.maxMerges = maxMerges;
    }
  }

  static VocabMerges read(Path folder, MergesFormat format) {
    Path vocabFile = folder.resolve("vocab.json");
    Path mergesFile = folder.resolve("merges.txt");
    Map<String, Integer> vocab = readVocab(vocabFile);
    List<String> merges = readMerges(mergesFile, format, vocab);
    return new VocabMerges(vocabFile, mergesFile, vocab, merges);
  }

  int id(String token) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new IllegalArgumentException(vocabFile + ": has no token '" + token + "' (the tokenizer's special tokens must be in it)");
    }
    return id;
  }

  private static Map<String, Integer> readVocab(Path file) {
    JsonNode root = StrictJson.readObject(file);
    Map<String, Integer> vocab = new LinkedHashMap<>();
    Map<Integer, String> byId = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw new IllegalArgumentException(file + ": token '" + e.getKey() + "' has id " + id + ", not a non-negative integer");
      }
      String before = byId.put(id.asInt(), e.getKey());
      if (before != null) {
        throw new IllegalArgumentException(file + ": tokens '" + before + "' and '" + e.getKey() + "' share id " + id.asInt());
      }
      vocab.put(e.getKey(), id.asInt());
    }
    if (vocab.isEmpty()) {
      throw new IllegalArgumentException(file + ": the vocabulary is empty");
    }
    return vocab;
  }

  private static List<String> readMerges(Path file, MergesFormat format, Map<String, Integer> vocab) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": no such file");
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Python's str.strip().split("\n"), as both slow tokenizers read the file.
    String[] lines = text.strip().split("\n", -1);
    List<String> merges = new ArrayList<>();
    for (int i = 0; i < lines.length && merges.size() < format.maxMerges; i++) {
      String line = lines[i].strip();
      if (i == 0) {
        if (line.startsWith("#version")) {
          continue;
        }
        if (format == MergesFormat.CLIP) {
          throw new IllegalArgumentException(file + ": line 1 must be the '#version' header (CLIPTokenizer skips it), got '" + clip(line) + "'");
        }
      }
      if (line.isEmpty() && format == MergesFormat.GPT2) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2 || parts[0].isEmpty()) {
        throw new IllegalArgumentException(file + ": line " + (i + 1) + " '" + clip(line) + "' is not two tokens separated by a space");
      }
      for (String token : new String[] {parts[0], parts[1], parts[0] + parts[1]}) {
        if (!vocab.containsKey(token)) {
          throw new IllegalArgumentException(file + ": line " + (i + 1) + " '" + clip(line) + "': '" + clip(token) + "' is not in vocab.json");
        }
      }
      merges.add(parts[0] + " " + parts[1]);
    }
    return merges;
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
