package dev.lemica.text.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  @TempDir Path dir;

  private static Path wanTokenizer() {
    return Golden.dir("wan_pipeline_tiny").resolve("tokenizer");
  }

  @Test
  void theWanGoldenTokenizerGivesTheRecordedIds() {
    JsonNode prompts = StrictJson.readObject(Golden.dir("wan_pipeline_tiny").resolve("meta.json")).get("prompts");
    try (HfTokenizer t = HfTokenizer.load(wanTokenizer())) {
      List<String> cleaned = List.of(prompts.get("prompt_cleaned").get(0).asText(), prompts.get("prompt_cleaned").get(1).asText());
      TokenizedBatch b = t.encode(cleaned, 512);
      assertEquals(512, b.length());
      for (int row = 0; row < 2; row++) {
        JsonNode expected = prompts.get("input_ids_unpadded").get(row);
        for (int i = 0; i < 512; i++) {
          long id = i < expected.size() ? expected.get(i).asLong() : 0;
          assertEquals(id, b.ids()[row][i], "row " + row + " position " + i);
          assertEquals(i < expected.size() ? 1 : 0, b.mask()[row][i]);
        }
      }
      assertArrayEquals(new int[] {12, 7}, b.lengths());
      assertArrayEquals(new long[] {1, 0, 0}, t.encode(List.of(""), 3).ids()[0]);
      assertEquals(List.of("meadow"), t.unknownWords(cleaned.get(0)));
      assertEquals(List.of(), t.unknownWords(cleaned.get(1)));
      assertEquals(List.of("zebra", "Fox"), t.unknownWords("a zebra\tthe Fox zebra"));
      assertEquals(OptionalInt.of(512), t.modelMaxLength());
    }
  }

  @Test
  void truncationKeepsTheEndToken() {
    try (HfTokenizer t = HfTokenizer.load(wanTokenizer())) {
      TokenizedBatch b = t.encode(List.of("a small red fox runs across", "two"), 4);
      assertArrayEquals(new long[] {3, 4, 5, 1}, b.ids()[0]);
      assertArrayEquals(new long[] {1, 1, 1, 1}, b.mask()[0]);
      assertArrayEquals(new long[] {14, 1, 0, 0}, b.ids()[1]);
      assertArrayEquals(new long[] {1, 1, 0, 0}, b.mask()[1]);
      assertThrows(IllegalArgumentException.class, () -> t.encode(List.of("a"), 0));
    }
  }

  @Test
  void paddingSideAndMaxLengthComeFromTheConfig() throws IOException {
    Path folder = copyOf(wanTokenizer(), "left");
    ObjectNode config = (ObjectNode) StrictJson.readObject(folder.resolve("tokenizer_config.json"));
    config.put("padding_side", "left");
    config.put("model_max_length", new java.math.BigInteger("1000000000000000019884624838656"));
    StrictJson.writeFile(folder.resolve("tokenizer_config.json"), StrictJson.write(config));
    try (HfTokenizer t = HfTokenizer.load(folder)) {
      TokenizedBatch b = t.encode(List.of("two cats"), 5);
      assertArrayEquals(new long[] {0, 0, 14, 15, 1}, b.ids()[0]);
      assertArrayEquals(new long[] {0, 0, 1, 1, 1}, b.mask()[0]);
      assertEquals(OptionalInt.empty(), t.modelMaxLength());
    }
  }

  /** A sentencepiece unigram model converted as transformers converts T5's (tools/tokenizers/make_unigram_tokenizer.py). */
  @Test
  void aUnigramTokenizerMatchesSentencepiece() {
    Path folder = Path.of("src/test/resources/tokenizers/unigram-t5");
    JsonNode cases = StrictJson.readObject(folder.resolve("cases.json")).get("cases");
    try (HfTokenizer t = HfTokenizer.load(folder)) {
      for (JsonNode c : cases) {
        String text = c.get("text").asText();
        TokenizedBatch b = t.encode(List.of(text), 24);
        assertArrayEquals(longs(c.get("padded_ids_max_length_24")), b.ids()[0], text);
        assertArrayEquals(longs(c.get("attention_mask_max_length_24")), b.mask()[0], text);
        long[] full = longs(c.get("t5_ids"));
        assertArrayEquals(full, java.util.Arrays.copyOf(t.encode(List.of(text), 64).ids()[0], full.length), text);
      }
      // "E" is not among the 200 pieces either (case 6 of cases.json: id 2 after the first "▁").
      assertEquals(List.of("Emoji", "\uD83D\uDE42", "\u65E5\u672C\u8A9E"), t.unknownWords("Emoji \uD83D\uDE42 and \u65E5\u672C\u8A9E are unknown here."));
    }
  }

  @Test
  void extraIdsAreAddedAsTransformersAddsThem() throws IOException {
    Path folder = copyOf(wanTokenizer(), "extra");
    ObjectNode config = (ObjectNode) StrictJson.readObject(folder.resolve("tokenizer_config.json"));
    config.put("extra_ids", 2);
    StrictJson.writeFile(folder.resolve("tokenizer_config.json"), StrictJson.write(config));
    try (HfTokenizer t = HfTokenizer.load(folder)) {
      // 33 words in the vocabulary: <extra_id_0> and <extra_id_1> become ids 33 and 34, matched whole.
      assertArrayEquals(new long[] {3, 34, 33, 1}, t.encode(List.of("a <extra_id_1><extra_id_0>"), 4).ids()[0]);
    }
  }

  @Test
  void badFoldersAreOneLineAndTheJvmSurvives() throws IOException {
    Path missing = dir.resolve("none");
    assertFault(() -> HfTokenizer.load(missing), missing + ": no such tokenizer folder");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertFault(() -> HfTokenizer.load(empty), empty.resolve("tokenizer.json") + ": no such file");
    Path malformed = copyOf(wanTokenizer(), "malformed");
    Files.writeString(malformed.resolve("tokenizer.json"), Files.readString(malformed.resolve("tokenizer.json")).substring(0, 500));
    assertFault(() -> HfTokenizer.load(malformed), malformed.resolve("tokenizer.json") + ": malformed JSON");

    assertJsonFault("nomodel", root -> ((ObjectNode) root).remove("model"), "has no \"model\" object");
    assertJsonFault("type", root -> ((ObjectNode) root.get("model")).put("type", "Foo"), "model type 'Foo' is not supported");
    assertJsonFault("vocab", root -> ((ObjectNode) root.get("model")).put("vocab", 3), "model.vocab must be an object");
    assertJsonFault("unk", root -> ((ObjectNode) root.get("model")).put("unk_token", "<nope>"), "model.unk_token '<nope>' is not in model.vocab");
    // The tokenizers library panics at encode time (and kills the JVM) on this one.
    assertJsonFault("template", root -> ((ObjectNode) root.get("post_processor")).putObject("special_tokens"),
        "post_processor.single uses special token '</s>' that special_tokens does not define");
    assertJsonFault("normalizer", root -> ((ObjectNode) root).putObject("normalizer").put("type", "Bar"),
        "the tokenizers library rejects it");
    assertJsonFault("added", root -> ((ArrayNode) root.get("added_tokens")).addObject().put("content", "x"),
        "added_tokens[3] needs an integer \"id\"");

    Path badConfig = copyOf(wanTokenizer(), "badconfig");
    Files.writeString(badConfig.resolve("tokenizer_config.json"), "{\"padding_side\": \"middle\"}");
    assertFault(() -> HfTokenizer.load(badConfig), badConfig.resolve("tokenizer_config.json") + ": \"padding_side\" must be");

    Path noPad = copyOf(wanTokenizer(), "nopad");
    Files.delete(noPad.resolve("tokenizer_config.json"));
    Files.delete(noPad.resolve("special_tokens_map.json"));
    try (HfTokenizer t = HfTokenizer.load(noPad)) {
      assertFault(() -> t.encode(List.of("a"), 4), noPad + ": no pad token");
    }
    // Still alive, still working.
    try (HfTokenizer t = HfTokenizer.load(wanTokenizer())) {
      assertEquals(3, t.encode(List.of("a"), 3).length());
    }
  }

  @Test
  void loneSurrogatesDoNotShiftOffsets() {
    assertEquals("a\uFFFDb\uD83D\uDE42", HfTokenizer.withoutLoneSurrogates("a\uD800b\uD83D\uDE42"));
    try (HfTokenizer t = HfTokenizer.load(wanTokenizer())) {
      assertEquals(List.of("\uFFFD", "zebra"), t.unknownWords("a \uD800 zebra"));
    }
  }

  private void assertJsonFault(String name, Consumer<JsonNode> edit, String fragment) throws IOException {
    Path folder = copyOf(wanTokenizer(), name);
    Path file = folder.resolve("tokenizer.json");
    JsonNode root = StrictJson.readObject(file);
    edit.accept(root);
    StrictJson.writeFile(file, StrictJson.write(root));
    assertFault(() -> HfTokenizer.load(folder).close(), file + ": ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(folder).close());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  static void assertFault(org.junit.jupiter.api.function.Executable call, String prefix) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  private Path copyOf(Path folder, String name) throws IOException {
    return TestFolders.copy(folder, dir.resolve(name));
  }

  static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asLong();
    }
    return out;
  }
}
