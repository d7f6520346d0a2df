package dev.lemica.pipeline.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import dev.lemica.testing.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** append_score_to_prompts and text_preprocessing, against the golden's stages and by their rules. */
class OpenSoraPromptsTest {
  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void theGoldenPromptsAtEveryStage() {
    JsonNode prompts = StrictJson.readObject(Golden.dir("opensora_pipeline_tiny").resolve("meta.json")).get("prompts");
    OpenSoraPrompts p = new OpenSoraPrompts(6.5, null, null);
    List<String> raw = strings(prompts.get("raw"));
    assertEquals(strings(prompts.get("after_append_score")), raw.stream().map(p::withScores).toList());
    assertEquals(strings(prompts.get("to_text_encoder")), p.toTextEncoder(raw));
  }

  @Test
  void eachScoreIsAppendedOnlyWhenThePromptLacksIt() {
    OpenSoraPrompts p = new OpenSoraPrompts(6.25, 4.0, "pan right");
    assertEquals("x aesthetic score: 6.2. motion score: 4.0. camera motion: pan right.", p.withScores("x"), "6.25 rounds to even, as Python's .1f");
    assertEquals("x aesthetic score: 5.0. motion score: 4.0. camera motion: pan right.", p.withScores("x aesthetic score: 5.0."));
    assertEquals("x motion score: 2.0. aesthetic score: 6.2. camera motion: pan right.", p.withScores("x motion score: 2.0."));
    assertEquals("x", new OpenSoraPrompts(null, null, null).withScores("x"));
    assertEquals("0.1", OpenSoraPrompts.oneDecimal(0.05), "0.05 is a little above 0.05 in binary");
  }
}
