package dev.lemica.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * clean_caption against Open-Sora's own Python run on captions that exercise every rule (URLs,
 * tags, entities, ids, dashes, quotes, file names, shop phrases, percent-encoding, Unicode words):
 * tools/reference/make_caption_cleaning_cases.py made the expected texts.
 */
class CaptionCleaningTest {
  @Test
  void matchesOpenSorasCleanCaption() {
    JsonNode cases = StrictJson.readObject(Path.of("src/test/resources/text/caption_cleaning.json")).get("cases");
    int n = 0;
    for (JsonNode c : cases) {
      String in = c.get("in").asText();
      assertEquals(c.get("clean_caption").asText(), CaptionCleaning.cleanCaption(in), "one pass of " + in);
      assertEquals(c.get("text_preprocessing").asText(), CaptionCleaning.openSora(in), "text_preprocessing of " + in);
      n++;
    }
    assertEquals(24, n);
  }

  @Test
  void unquotePlusKeepsWhatIsNotAnEscape() {
    assertEquals("a b%zz%4", CaptionCleaning.unquotePlus("a+b%zz%4"));
    assertEquals("\ufffd!", CaptionCleaning.unquotePlus("%ff%21"));
  }
}
