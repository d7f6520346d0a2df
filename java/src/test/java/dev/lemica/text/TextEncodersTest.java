package dev.lemica.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.text.clip.CLIPTextEncoder;
import dev.lemica.text.qwen.QwenTextEncoder;
import dev.lemica.text.t5.T5Encoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextEncodersTest {
  @TempDir Path dir;

  @Test
  void loadsByArchitectureOrByThePipelinesModelIndex() {
    try (TextEncoderModel e = TextEncoders.load(Golden.dir("t5"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("T5EncoderModel", e.className());
      assertEquals("t5", ((T5Encoder) e).config().modelType());
    }
    try (TextEncoderModel e = TextEncoders.load(Golden.dir("wan_pipeline_tiny"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("UMT5EncoderModel", e.className());
      assertTrue(((T5Encoder) e).config().biasPerLayer());
    }
    assertEquals(
        "[CLIPTextModel, CLIPTextModelWithProjection, MT5EncoderModel, Qwen2_5_VLForConditionalGeneration, T5EncoderModel, UMT5EncoderModel]",
        TextEncoders.supported().toString());
  }

  @Test
  void loadsClipAndQwenByArchitectureAndFromTheirPipelines() {
    try (TextEncoderModel e = TextEncoders.load(Golden.dir("clip_text"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("CLIPTextModel", e.className());
      assertTrue(e instanceof CLIPTextEncoder);
    }
    try (TextEncoderModel e = TextEncoders.load(Golden.dir("flux_pipeline_tiny"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("CLIPTextModel", e.className());
    }
    try (TextEncoderModel e = TextEncoders.load(Golden.dir("qwen25vl_text"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("Qwen2_5_VLForConditionalGeneration", e.className());
      assertTrue(e instanceof QwenTextEncoder);
    }
    try (TextEncoderModel e = TextEncoders.load(Golden.dir("qwenimage_pipeline_tiny"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("Qwen2_5_VLForConditionalGeneration", e.className());
    }
  }

  @Test
  void unknownClassesAreOneLineListingTheSupportedOnes() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("bert"));
    ObjectNode config = (ObjectNode) StrictJson.readObject(Golden.dir("umt5").resolve("config.json"));
    config.putArray("architectures").add("BertModel");
    StrictJson.writeFile(folder.resolve("config.json"), StrictJson.write(config));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextEncoders.load(folder, ComputeTarget.CPU_FLOAT32));
    assertEquals(
        folder.resolve("config.json") + ": text encoder class 'BertModel' is not supported (supported: CLIPTextModel, CLIPTextModelWithProjection, MT5EncoderModel,"
            + " Qwen2_5_VLForConditionalGeneration, T5EncoderModel, UMT5EncoderModel)",
        e.getMessage());
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> TextEncoders.load(dir, ComputeTarget.CPU_FLOAT32));
    assertTrue(none.getMessage().startsWith(dir + ": not a text encoder folder"), none.getMessage());
  }
}
