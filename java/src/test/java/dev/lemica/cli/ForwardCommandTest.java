package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardCommandTest {
  @TempDir Path dir;

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"wan", "opensora_stdit3"})
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

  @Test
  void writesTheReferenceOutputOfTheDualStreamFamilies() {
    for (String folder : new String[] {"flux", "qwenimage"}) {
      Path golden = Golden.dir(folder);
      Path out = dir.resolve(folder + ".safetensors");
      // Qwen-Image's img_shapes come from the meta.json beside the inputs.
      CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", out.toString());
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsFile o = SafetensorsFile.open(out);
          SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
        double err = Tensors.relativeL2(o.tensor("out.sample"), io.tensor("out.sample"));
        assertTrue(err < 1e-5, folder + " " + err);
      }
    }
  }

  @Test
  void reportsBadInputsInOneLine() throws IOException {
    Path golden = Golden.dir("wan");
    Path garbage = Files.write(dir.resolve("garbage.safetensors"), new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 1, 2});
    CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", garbage.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + garbage), r.err());

    r = CliRunner.run("forward", "--model", dir.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("not a diffusers model folder"), r.err());
  }

  @Test
  void reportsAMalformedMetaJsonBesideTheInputsInOneLine() throws IOException {
    Path golden = Golden.dir("wan");
    Path inputs = Files.copy(golden.resolve("io.safetensors"), dir.resolve("io.safetensors"));
    Path meta = Files.writeString(dir.resolve("meta.json"), "{\"activations\": [\"act.blocks.0\",");
    CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + meta + ": malformed JSON"), r.err());
  }

  @Test
  void refusesCudaWhereThereIsNone() {
    org.junit.jupiter.api.Assumptions.assumeFalse(org.bytedeco.pytorch.global.torch.cuda_is_available());
    Path golden = Golden.dir("wan");
    CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", dir.resolve("o").toString(), "--device", "cuda");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no CUDA device"), r.err());
  }
}
