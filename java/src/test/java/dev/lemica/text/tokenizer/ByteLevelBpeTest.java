package dev.lemica.text.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level BPE tokenizers: CLIP's and Qwen2's slow folders (vocab.json + merges.txt) converted
 * as transformers converts them, and a Qwen2 tokenizer.json. Expected ids come from
 * tools/tokenizers/make_bpe_tokenizers.py, which implements both tokenizers' algorithms itself.
 */
class ByteLevelBpeTest {
  private static final Path CLIP = Path.of("src/test/resources/tokenizers/clip-bpe");
  private static final Path QWEN2 = Path.of("src/test/resources/tokenizers/qwen2-bpe");
  private static final Path QWEN2_JSON = Path.of("src/test/resources/tokenizers/qwen2-bpe-json");

  @TempDir Path dir;

  @Test
  void clipSlowFilesTokenizeAsCLIPTokenizer() {
    JsonNode meta = StrictJson.readObject(CLIP.resolve("cases.json"));
    int max = meta.get("max_length").asInt();
    try (HfTokenizer t = HfTokenizer.load(CLIP)) {
      assertEquals(OptionalInt.of(16), t.modelMaxLength());
      for (JsonNode c : meta.get("cases")) {
        String text = c.get("text").asText();
        TokenizedBatch b = t.encode(List.of(text), max);
        assertArrayEquals(HfTokenizerTest.longs(c.get("ids_max_length")), b.ids()[0], text);
        assertArrayEquals(HfTokenizerTest.longs(c.get("mask_max_length")), b.mask()[0], text);
        long[] full = HfTokenizerTest.longs(c.get("ids"));
        assertArrayEquals(full, t.encodeLongest(List.of(text), 77).ids()[0], text);
      }
    }
  }

  /** By hand from vocab.json: lowercased, whitespace runs collapsed, bos 632 first, eos 633 last and as padding. */
  @Test
  void clipIdsByHand() throws IOException {
    JsonNode vocab = StrictJson.readObject(CLIP.resolve("vocab.json"));
    long bos = vocab.get("<|startoftext|>").asLong();
    long eos = vocab.get("<|endoftext|>").asLong();
    assertEquals(632, bos);
    assertEquals(633, eos);
    long a = vocab.get("a</w>").asLong();
    long photo = vocab.get("photo</w>").asLong();
    long of = vocab.get("of</w>").asLong();
    long cat = vocab.get("cat</w>").asLong();
    try (HfTokenizer t = HfTokenizer.load(CLIP)) {
      long[] expected = {bos, a, photo, of, a, cat, eos, eos, eos, eos};
      assertArrayEquals(expected, t.encode(List.of("  A PHOTO \t of\n\na Cat "), 10).ids()[0]);
      assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, t.encode(List.of("a photo of a cat"), 10).mask()[0]);
      // Cut to 5: bos, three tokens, eos.
      assertArrayEquals(new long[] {bos, a, photo, of, eos}, t.encode(List.of("a photo of a cat"), 5).ids()[0]);
      // The special tokens are matched whole, not split by the pre-tokenizer.
      assertArrayEquals(new long[] {bos, a, eos, cat, eos}, t.encode(List.of("a<|endoftext|>cat"), 5).ids()[0]);
    }
  }

  /** A folder without tokenizer_config.json still gets CLIPTokenizer's tokens when the class is known. */
  @Test
  void clipDefaultsWhenOnlyTheClassIsKnown() throws IOException {
    Path bare = copy(CLIP, "bare");
    Files.delete(bare.resolve("tokenizer_config.json"));
    Files.delete(bare.resolve("special_tokens_map.json"));
    HfTokenizerTest.assertFault(() -> HfTokenizer.load(bare), bare + ": has no tokenizer.json, and its vocab.json + merges.txt are converted for CLIPTokenizer and Qwen2Tokenizer only");
    try (HfTokenizer t = HfTokenizer.load(bare, "CLIPTokenizer")) {
      assertArrayEquals(new long[] {632, 320, 545, 633, 633}, t.encode(List.of("a cat"), 5).ids()[0]);
      assertEquals(OptionalInt.empty(), t.modelMaxLength());
    }
  }

  @Test
  void aFolderWithTokenizerJsonKeepsUsingIt() throws IOException {
    Path folder = copy(Golden.dir("flux_pipeline_tiny").resolve("tokenizer"), "both");
    Files.copy(CLIP.resolve("vocab.json"), folder.resolve("vocab.json"));
    Files.copy(CLIP.resolve("merges.txt"), folder.resolve("merges.txt"));
    try (HfTokenizer t = HfTokenizer.load(folder, "CLIPTokenizer")) {
      // The WordLevel ids of flux_pipeline_tiny (a 0, red 76, fox 27; bos 98, eos 99), not the BPE ones.
      assertArrayEquals(new long[] {98, 0, 76, 27, 99, 99}, t.encode(List.of("A red fox"), 6).ids()[0]);
    }
  }

  @Test
  void qwen2SlowFilesAndTokenizerJsonTokenizeAsQwen2Tokenizer() {
    JsonNode meta = StrictJson.readObject(QWEN2.resolve("cases.json"));
    for (Path folder : new Path[] {QWEN2, QWEN2_JSON}) {
      try (HfTokenizer t = HfTokenizer.load(folder)) {
        for (JsonNode c : meta.get("cases")) {
          String text = c.get("text").asText();
          TokenizedBatch b = t.encodeLongest(List.of(text), 4096);
          assertArrayEquals(HfTokenizerTest.longs(c.get("ids")), b.ids()[0], folder + ": " + text);
        }
        assertEquals(List.of(), t.unknownWords("any text at all \u65E5\u672C"), "byte-level BPE has no unknown token");
      }
    }
  }

  /** padding=True: rows padded to the longest with the pad token, on the right, mask 0 there; truncation at max_length. */
  @Test
  void longestPaddingAndTruncation() {
    JsonNode meta = StrictJson.readObject(QWEN2.resolve("cases.json"));
    long pad = meta.get("pad").asLong();
    long[] first = HfTokenizerTest.longs(meta.get("cases").get(0).get("ids"));
    long[] fifth = HfTokenizerTest.longs(meta.get("cases").get(4).get("ids"));
    try (HfTokenizer t = HfTokenizer.load(QWEN2)) {
      TokenizedBatch b = t.encodeLongest(List.of(meta.get("cases").get(0).get("text").asText(), meta.get("cases").get(4).get("text").asText()), 4096);
      int longest = Math.max(first.length, fifth.length);
      assertEquals(longest, b.length());
      for (int i = 0; i < longest; i++) {
        assertEquals(i < first.length ? first[i] : pad, b.ids()[0][i]);
        assertEquals(i < first.length ? 1 : 0, b.mask()[0][i]);
        assertEquals(i < fifth.length ? fifth[i] : pad, b.ids()[1][i]);
      }
      assertArrayEquals(java.util.Arrays.copyOf(fifth, 3), t.encodeLongest(List.of(meta.get("cases").get(4).get("text").asText()), 3).ids()[0]);
    }
  }

  @Test
  void malformedVocabOrMergesAreOneLineNamingTheFile() throws IOException {
    assertFault("notjson", "vocab.json", "{\"a\": 1,", "malformed JSON");
    assertFault("negative", "vocab.json", "{\"a\": -1}", "token 'a' has id -1, not a non-negative integer");
    assertFault("shared", "vocab.json", "{\"a\": 1, \"b\": 1}", "tokens 'a' and 'b' share id 1");
    String merges = Files.readString(CLIP.resolve("merges.txt"));
    assertFault("three", "merges.txt", merges + "a b c\n", "line " + (merges.split("\n").length + 1) + " 'a b c' is not two tokens");
    assertFault("oov", "merges.txt", merges + "q \u4E00\n", "'\u4E00' is not in vocab.json");
    assertFault("header", "merges.txt", merges.substring(merges.indexOf('\n') + 1), "line 1 must be the '#version' header");
    Path binary = copy(CLIP, "binary");
    Files.write(binary.resolve("merges.txt"), new byte[] {'#', 'v', '\n', (byte) 0xff, (byte) 0xfe, ' ', 'a', '\n'});
    HfTokenizerTest.assertFault(() -> HfTokenizer.load(binary), binary.resolve("merges.txt") + ": not UTF-8 text");
    Path nobos = copy(CLIP, "nobos");
    ObjectNode vocab = (ObjectNode) StrictJson.readObject(nobos.resolve("vocab.json"));
    vocab.remove("<|startoftext|>");
    Files.writeString(nobos.resolve("vocab.json"), StrictJson.write(vocab), StandardCharsets.UTF_8);
    HfTokenizerTest.assertFault(() -> HfTokenizer.load(nobos), nobos.resolve("vocab.json") + ": has no token '<|startoftext|>'");
    Path noMerges = copy(CLIP, "nomerges");
    Files.delete(noMerges.resolve("merges.txt"));
    HfTokenizerTest.assertFault(() -> HfTokenizer.load(noMerges), noMerges.resolve("tokenizer.json") + ": no such file");
    // Still alive and working.
    try (HfTokenizer t = HfTokenizer.load(CLIP)) {
      assertEquals(16, t.encode(List.of("a cat"), 16).length());
    }
  }

  private void assertFault(String name, String file, String content, String fragment) throws IOException {
    Path folder = copy(CLIP, name);
    Files.writeString(folder.resolve(file), content, StandardCharsets.UTF_8);
    HfTokenizerTest.assertFault(() -> HfTokenizer.load(folder).close(), folder.resolve(file) + ": ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(folder).close());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  private Path copy(Path folder, String name) throws IOException {
    return TestFolders.copy(folder, dir.resolve(name));
  }
}
