package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code lemica forward} on CogVideoX 1.5 and Latte folders. */
class VideoForwardCommandTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"cogvideox15", "latte", "cogvideox15-variant"})
  void writesTheReferenceOutput(String folder) {
    Path golden = Golden.dir(folder);
    Path out = dir.resolve("o.safetensors");
    CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertTrue(Tensors.relativeL2(o.tensor("out.sample"), io.tensor("out.sample")) < 1e-5);
    }
  }

  /** The meta.json beside the inputs switches Latte's temporal attention; a value of the wrong type is one line. */
  @Test
  void readsEnableTemporalAttentionsFromTheMetaBesideTheInputs() throws IOException {
    Path golden = Golden.dir("latte");
    Path inputs = Files.copy(golden.resolve("io.safetensors"), dir.resolve("io.safetensors"));
    Files.writeString(dir.resolve("meta.json"), "{\"enable_temporal_attentions\": false}");
    Path out = dir.resolve("o.safetensors");
    CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertTrue(Tensors.relativeL2(o.tensor("out.sample"), io.tensor("out.sample")) > 1e-3, "spatial blocks only");
    }
    Files.writeString(dir.resolve("meta.json"), "{\"enable_temporal_attentions\": \"yes\"}");
    r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", out.toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("\"enable_temporal_attentions\" is not true/false"), r.err());
  }

  /** Inputs that do not fit the model end in one line naming the tensor and the fault. */
  @Test
  void reportsInputsOfTheWrongShapeInOneLine() {
    Path cog = Golden.dir("cogvideox15");
    Path latte = Golden.dir("latte");
    Path oddFrames = dir.resolve("odd.safetensors");
    Path oneRope = dir.resolve("rope.safetensors");
    Path wrongFrames = dir.resolve("frames.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile c = SafetensorsFile.open(cog.resolve("io.safetensors"));
        SafetensorsFile l = SafetensorsFile.open(latte.resolve("io.safetensors"))) {
      new SafetensorsWriter()
          .put("in.hidden_states", c.tensor("in.hidden_states").narrow(1, 0, 3))
          .put("in.encoder_hidden_states", c.tensor("in.encoder_hidden_states"))
          .put("in.timestep", c.tensor("in.timestep"))
          .write(oddFrames);
      new SafetensorsWriter()
          .put("in.hidden_states", c.tensor("in.hidden_states"))
          .put("in.encoder_hidden_states", c.tensor("in.encoder_hidden_states"))
          .put("in.timestep", c.tensor("in.timestep"))
          .put("in.rope_cos", c.tensor("in.rope_cos"))
          .write(oneRope);
      new SafetensorsWriter()
          .put("in.hidden_states", l.tensor("in.hidden_states").narrow(2, 0, 3))
          .put("in.encoder_hidden_states", l.tensor("in.encoder_hidden_states"))
          .put("in.timestep", l.tensor("in.timestep"))
          .write(wrongFrames);
    }
    assertOneLine(cog, oddFrames, "3 frames is no multiple of patch_size_t 2");
    assertOneLine(cog, oneRope, "only one of rope_cos and rope_sin");
    assertOneLine(latte, wrongFrames, "has 3 frames; with temporal attention this model takes 1 or video_length=4");
  }

  private void assertOneLine(Path model, Path inputs, String fault) {
    CliRunner r = CliRunner.run("forward", "--model", model.toString(), "--inputs", inputs.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains(fault), r.err());
  }
}
