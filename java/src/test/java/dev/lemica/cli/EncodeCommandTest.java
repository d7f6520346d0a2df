package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncodeCommandTest {
  @TempDir Path dir;

  @Test
  void writesTheReferenceLastHiddenState() {
    Path golden = Golden.dir("umt5");
    Path out = dir.resolve("o.safetensors");
    CliRunner r = CliRunner.run("encode", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertTrue(Tensors.relativeL2(o.tensor("out.last_hidden_state"), io.tensor("out.last_hidden_state")) < 1e-5);
    }
  }

  @Test
  void withoutAMaskEveryPositionIsAttended() {
    Path golden = Golden.dir("t5");
    Path inputs = dir.resolve("ids.safetensors");
    Path out = dir.resolve("o.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      new SafetensorsWriter().put("in.input_ids", io.tensor("in.input_ids")).write(inputs);
      CliRunner r = CliRunner.run("encode", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", out.toString());
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsFile o = SafetensorsFile.open(out)) {
        assertTrue(Tensors.relativeL2(o.tensor("out.last_hidden_state"), io.tensor("out.last_hidden_state_nomask")) < 1e-5);
      }
    }
  }

  @Test
  void reportsMissingIdsInOneLine() {
    Path golden = Golden.dir("umt5");
    Path inputs = dir.resolve("noids.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      new SafetensorsWriter().put("in.attention_mask", io.tensor("in.attention_mask")).write(inputs);
    }
    CliRunner r = CliRunner.run("encode", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + inputs + ": holds no in.input_ids tensor"), r.err());

    CliRunner pipeline = CliRunner.run("encode", "--model", dir.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, pipeline.exitCode());
    assertTrue(pipeline.err().contains("not a text encoder folder"), pipeline.err());
  }
}
