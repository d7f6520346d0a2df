package dev.lemica.model.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder or inputs that do not fit STDiT3 are refused in one line naming the file or input and the fault. */
class Stdit3BadInputTest {
  @TempDir Path dir;

  private String loadFailure(String from, String to) throws IOException {
    Path copy = TestFolders.copy(Golden.dir("opensora_stdit3"), dir.resolve("m" + System.nanoTime()));
    String config = Files.readString(copy.resolve("config.json"));
    assertTrue(config.contains(from), from);
    Files.writeString(copy.resolve("config.json"), config.replace(from, to));
    Exception e = assertThrows(IllegalArgumentException.class, () -> Models.load(copy, ComputeTarget.CPU_FLOAT32).close());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void refusesConfigsThatDoNotFit() throws IOException {
    assertTrue(loadFailure("\"hidden_size\": 32", "\"hidden_size\": \"32\"").contains("config.json: \"hidden_size\" is not an integer"));
    assertTrue(loadFailure("\"num_heads\": 2", "\"num_heads\": 3").contains("config.json: \"num_heads\" (3) must divide hidden_size 32"));
    assertTrue(loadFailure("\"depth\": 2", "\"depth\": 3").contains("checkpoint lacks tensor 'spatial_blocks.2."));
    assertTrue(loadFailure("\"caption_channels\": 12", "\"caption_channels\": 16").contains("tensor 'y_embedder.y_proj.fc1.weight' has shape [32, 12] but config.json implies [32, 16]"));
    String m = loadFailure("\"qk_norm\": true", "\"qk_norm\": false");
    assertTrue(m.contains(": the checkpoint holds tensors STDiT3 with this config.json does not use: spatial_blocks.0.attn.k_norm.weight"), m);
    assertTrue(loadFailure("\"qk_norm\": true", "\"qk_norm\": true, \"skip_y_embedder\": true").contains("\"skip_y_embedder\" is true"));
  }

  /** Hub folders are transformers configs: architectures ["STDiT3"] names the class, no _class_name. */
  @Test
  void loadsAFolderNamedByArchitecturesAlone() throws IOException {
    Path copy = TestFolders.copy(Golden.dir("opensora_stdit3"), dir.resolve("hub"));
    String config = Files.readString(copy.resolve("config.json"));
    Files.writeString(copy.resolve("config.json"), config.replace("\"_class_name\": \"STDiT3\",", ""));
    assertTrue(!Files.readString(copy.resolve("config.json")).contains("_class_name"));
    try (DiffusionTransformer model = Models.load(copy, ComputeTarget.CPU_FLOAT32)) {
      assertEquals("STDiT3", model.className());
    }
  }

  @Test
  void refusesATruncatedCheckpoint() throws IOException {
    Path copy = TestFolders.copy(Golden.dir("opensora_stdit3"), dir.resolve("t"));
    byte[] weights = Files.readAllBytes(copy.resolve("model.safetensors"));
    Files.write(copy.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
    Exception e = assertThrows(dev.lemica.safetensors.SafetensorsException.class, () -> Models.load(copy, ComputeTarget.CPU_FLOAT32).close());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(copy.resolve("model.safetensors").toString()), e.getMessage());
  }

  private String forwardFailure(Consumer<Map<String, Tensor>> edit) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_stdit3").resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir("opensora_stdit3"), ComputeTarget.CPU_FLOAT32)) {
      Map<String, Tensor> in = Golden.inTensors(io);
      edit.accept(in);
      Exception e = assertThrows(IllegalArgumentException.class, () -> model.forward(ForwardInputs.of(in)));
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
      return e.getMessage();
    }
  }

  @Test
  void refusesInputsThatDoNotFit() {
    assertTrue(forwardFailure(in -> in.put("x", in.get("x").squeeze(0))).contains("input 'x' must have 5 dimensions"));
    assertTrue(forwardFailure(in -> in.put("x", torch.cat(new org.bytedeco.pytorch.TensorVector(in.get("x"), in.get("x")), 1)))
        .contains("has 8 channels; the model expects in_channels=4"));
    assertTrue(forwardFailure(in -> in.remove("height")).contains("inputs lack tensor 'height'"));
    assertTrue(forwardFailure(in -> in.put("y", in.get("y").narrow(3, 0, 5))).contains("y [1, 1, 6, 5] must be (1, 1, tokens, 12)"));
    assertTrue(forwardFailure(in -> in.put("mask", in.get("mask").narrow(1, 0, 4))).contains("mask [1, 4] must be (rows, 6)"));
    assertTrue(forwardFailure(in -> in.put("mask", torch.zeros_like(in.get("mask")))).contains("mask: a sample has no valid text token"));
    assertTrue(forwardFailure(in -> in.put("timestep", Tensors.fromFloats(new float[] {1, 2}, 2))).contains("timestep has 2 values for a batch of 1"));
    assertTrue(forwardFailure(in -> in.put("width", Tensors.fromFloats(new float[] {0}, 1))).contains("width must be a positive pixel size"));
    assertTrue(forwardFailure(in -> in.put("x_mask", Tensors.fromLongs(new long[] {1, 1}, 1, 2))).contains("x_mask [1, 2] must be (rows, 3)"));
  }

  @Test
  void forwardCommandReportsAFaultyFolderInOneLine() throws IOException {
    Path golden = Golden.dir("opensora_stdit3");
    Path copy = TestFolders.copy(golden, dir.resolve("bad"));
    Files.writeString(copy.resolve("config.json"), "{\"architectures\": [\"STDiT3\"], \"hidden_size\": 32, \"depth\": 2, \"num_heads\": 2");
    CliRunner r = CliRunner.run("forward", "--model", copy.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + copy.resolve("config.json") + ": malformed JSON"), r.err());
  }
}
