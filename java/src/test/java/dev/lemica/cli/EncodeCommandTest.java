package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.Map;
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

  /** encode on a golden folder's own io file: each output against the golden tensor it names. */
  @Test
  void clipAndQwenWriteTheirOutputs() {
    assertEncodes("clip_text", Map.of("out.last_hidden_state", "out.last_hidden_state", "out.pooler_output", "out.pooler_output"));
    assertEncodes("qwen25vl_text", Map.of("out.last_hidden_state", "out.hidden_states_last"));
  }

  private void assertEncodes(String name, Map<String, String> expected) {
    Path golden = Golden.dir(name);
    Path out = dir.resolve(name + ".safetensors");
    CliRunner r = CliRunner.run("encode", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertEquals(expected.keySet(), o.names());
      expected.forEach((ours, reference) -> assertTrue(Tensors.relativeL2(o.tensor(ours), io.tensor(reference)) < 1e-5, name + " " + ours));
    }
  }

  @Test
  void badIdsForClipAndQwenAreOneLine() {
    Path tooLong = dir.resolve("long.safetensors");
    Path outOfVocab = dir.resolve("vocab.safetensors");
    try (PointerScope scope = new PointerScope()) {
      new SafetensorsWriter().put("in.input_ids", org.bytedeco.pytorch.global.torch.zeros(new long[] {1, 78}, new org.bytedeco.pytorch.TensorOptions(org.bytedeco.pytorch.global.torch.ScalarType.Long))).write(tooLong);
      new SafetensorsWriter().put("in.input_ids", Tensors.fromLongs(new long[] {1, 200}, 1, 2)).write(outOfVocab);
    }
    CliRunner clip = CliRunner.run("encode", "--model", Golden.dir("clip_text").toString(), "--inputs", tooLong.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, clip.exitCode());
    assertEquals("error: " + tooLong + ": input_ids have 78 tokens, more than max_position_embeddings 77", clip.err().strip());
    CliRunner qwen = CliRunner.run("encode", "--model", Golden.dir("qwen25vl_text").toString(), "--inputs", outOfVocab.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, qwen.exitCode());
    assertEquals("error: " + outOfVocab + ": input_ids hold id 200, outside the vocabulary [0, 200)", qwen.err().strip());
  }
}
