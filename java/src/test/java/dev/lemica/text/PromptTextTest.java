package dev.lemica.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Against Python's own output (tools/tokenizers/make_*_cases.py). */
class PromptTextTest {
  @Test
  void unescapeMatchesPythonOnEveryHtml5NameAndTheNumericRules() {
    JsonNode cases = StrictJson.parse(StrictJson.readBytes(Path.of("src/test/resources/text/html_unescape_cases.json")), "cases");
    assertEquals(4827, cases.size());
    for (JsonNode c : cases) {
      assertEquals(c.get(1).asText(), HtmlEntities.unescape(c.get(0).asText()), "html.unescape(" + c.get(0).asText() + ")");
    }
  }

  @Test
  void cleanWanMatchesDiffusersPromptClean() {
    JsonNode cases = StrictJson.parse(StrictJson.readBytes(Path.of("src/test/resources/text/prompt_clean_cases.json")), "cases");
    for (JsonNode c : cases) {
      assertEquals(c.get(1).asText(), PromptText.cleanWan(c.get(0).asText()), "prompt_clean(" + c.get(0) + ")");
    }
    assertEquals("two cats & a dog play", PromptText.cleanWan("  two cats &amp; a dog\tplay "));
  }
}
