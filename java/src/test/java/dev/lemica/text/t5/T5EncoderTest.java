package dev.lemica.text.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class T5EncoderTest {
  @TempDir Path dir;

  @Test
  void bucketsMatchTheReferenceTableAtEveryDistance() {
    for (String name : new String[] {"umt5", "t5"}) {
      JsonNode table = StrictJson.readObject(Golden.dir(name).resolve("meta.json")).get("relative_position_buckets");
      int from = table.get("relative_position_from").asInt();
      JsonNode expected = table.get("bucket");
      RelativePositionBuckets buckets = new RelativePositionBuckets(32, 128);
      assertEquals(271, expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(expected.get(i).asInt(), buckets.bucket(from + i), name + ": relative position " + (from + i));
      }
    }
  }

  @Test
  void bucketsOfAnotherConfigFollowTheFormula() {
    // 16 buckets, max distance 20: halves of 8, exact below 4, log bins 4..7 up to 20.
    RelativePositionBuckets b = new RelativePositionBuckets(16, 20);
    for (int d = 0; d < 40; d++) {
      int expected = d < 4 ? d : Math.min(4 + (int) Math.floor(Math.log(d / 4.0) / Math.log(5.0) * 4 + 1e-12), 7);
      assertEquals(expected, b.bucket(-d), "distance -" + d);
      if (d > 0) {
        assertEquals(8 + expected, b.bucket(d), "distance " + d);
      }
    }
  }

  /** A row's valid positions do not depend on its padding or on the other rows of the batch. */
  @Test
  void paddingAndBatchingLeaveValidPositionsUnchanged() {
    for (String name : new String[] {"umt5", "t5"}) {
      try (PointerScope scope = new PointerScope();
          T5Encoder encoder = T5Encoder.load(Golden.dir(name), ComputeTarget.CPU_FLOAT32)) {
        long[] a = {5, 17, 42, 9, 33, 1};
        long[] b = {7, 8, 1};
        Tensor alone = encoder.lastHiddenState(Tensors.fromLongs(a, 1, a.length), null);
        int width = 20;
        long[] ids = new long[2 * width];
        long[] mask = new long[2 * width];
        for (int i = 0; i < a.length; i++) {
          ids[i] = a[i];
          mask[i] = 1;
        }
        for (int i = 0; i < b.length; i++) {
          ids[width + i] = b[i];
          mask[width + i] = 1;
        }
        Tensor batch = encoder.lastHiddenState(Tensors.fromLongs(ids, 2, width), Tensors.fromLongs(mask, 2, width));
        double err = Tensors.relativeL2(batch.select(0, 0).narrow(0, 0, a.length), alone.select(0, 0));
        assertTrue(err < 1e-6, name + ": padded + batched row differs from the row alone by " + err);
        Tensor bAlone = encoder.lastHiddenState(Tensors.fromLongs(b, 1, b.length), null);
        double errB = Tensors.relativeL2(batch.select(0, 1).narrow(0, 0, b.length), bAlone.select(0, 0));
        assertTrue(errB < 1e-6, name + ": second row differs by " + errB);
        // And the mask matters: without it the padded row reads the pads.
        Tensor unmasked = encoder.lastHiddenState(Tensors.fromLongs(ids, 2, width), null);
        assertTrue(Tensors.relativeL2(unmasked.select(0, 1).narrow(0, 0, b.length), bAlone.select(0, 0)) > 1e-3);
      }
    }
  }

  /** Sharded weights, the tied embedding under its encoder name, and decoder / lm_head tensors to ignore. */
  @Test
  void loadsAShardedCheckpointWithExtraDecoderWeights() throws IOException {
    Path golden = Golden.dir("umt5");
    Files.copy(golden.resolve("config.json"), dir.resolve("config.json"));
    try (PointerScope scope = new PointerScope();
        SafetensorsFile src = SafetensorsFile.open(golden.resolve("model.safetensors"));
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      SafetensorsWriter first = new SafetensorsWriter();
      SafetensorsWriter second = new SafetensorsWriter();
      ObjectNode map = StrictJson.mapper().createObjectNode();
      for (String n : src.names()) {
        boolean one = n.contains("block.0.") || n.contains("block.1.");
        String renamed = n.equals("shared.weight") ? "encoder.embed_tokens.weight" : n;
        (one ? first : second).put(renamed, src.tensor(n));
        map.put(renamed, one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
      }
      Tensor extra = torch.ones(4, 4);
      second.put("decoder.block.0.layer.0.SelfAttention.q.weight", extra).put("lm_head.weight", extra);
      map.put("decoder.block.0.layer.0.SelfAttention.q.weight", "model-00002-of-00002.safetensors");
      map.put("lm_head.weight", "model-00002-of-00002.safetensors");
      first.write(dir.resolve("model-00001-of-00002.safetensors"));
      second.write(dir.resolve("model-00002-of-00002.safetensors"));
      ObjectNode index = StrictJson.mapper().createObjectNode();
      index.putObject("metadata").put("total_size", 0);
      index.set("weight_map", map);
      StrictJson.writeFile(dir.resolve("model.safetensors.index.json"), StrictJson.write(index));
      try (T5Encoder encoder = T5Encoder.load(dir, ComputeTarget.CPU_FLOAT32)) {
        Tensor out = encoder.lastHiddenState(io.tensor("in.input_ids"), io.tensor("in.attention_mask"));
        assertTrue(Tensors.relativeL2(out, io.tensor("out.last_hidden_state")) < 1e-5);
      }
    }
  }

  /** bf16 and fp16 run (fp16 with wo in float32 as transformers keeps it) and stay near the fp32 result. */
  @Test
  void reducedPrecisionStaysNearFloat32() {
    Path golden = Golden.dir("umt5");
    for (ScalarType dtype : new ScalarType[] {ScalarType.BFloat16, ScalarType.Half}) {
      try (PointerScope scope = new PointerScope();
          SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
          T5Encoder encoder = T5Encoder.load(golden, new ComputeTarget("cpu", dtype))) {
        Tensor out = encoder.lastHiddenState(io.tensor("in.input_ids"), io.tensor("in.attention_mask"));
        assertEquals(dtype.value, out.scalar_type().value);
        double err = Tensors.relativeL2(out, io.tensor("out.last_hidden_state"));
        assertTrue(err < (dtype == ScalarType.Half ? 5e-3 : 3e-2), dtype + ": " + err);
      }
    }
  }

  @Test
  void presetsHaveTheRealDimensionsAndRandomWeightsRun() {
    T5Config xxl = T5Config.preset("umt5-xxl");
    assertEquals("umt5", xxl.modelType());
    assertEquals(4096, xxl.dModel());
    assertEquals(10240, xxl.dFf());
    assertEquals(64, xxl.heads());
    assertEquals(24, xxl.layers());
    assertEquals(256384, xxl.vocabSize());
    assertEquals(32128, T5Config.preset("t5-v1_1-xxl").vocabSize());
    assertThrows(IllegalArgumentException.class, () -> T5Config.preset("t5-nope"));
    T5Config small = T5Config.read(Golden.dir("umt5").resolve("config.json")).withLayers(2);
    try (PointerScope scope = new PointerScope();
        T5Encoder encoder = T5Encoder.withRandomWeights(small, ComputeTarget.CPU_FLOAT32, 7)) {
      Tensor out = encoder.lastHiddenState(Tensors.fromLongs(new long[] {4, 5, 1}, 1, 3), null);
      assertEquals("[1, 3, 32]", Tensors.shapeString(out));
    }
  }

  @Test
  void badConfigsAreOneLineNamingTheFileAndKey() throws IOException {
    assertConfigFault(c -> c.remove("d_model") != null, "missing key \"d_model\"");
    assertConfigFault(c -> c.put("num_heads", "four") != null, "\"num_heads\" is not an integer");
    assertConfigFault(c -> c.put("feed_forward_proj", "relu") != null, "\"feed_forward_proj\" is 'relu'");
    assertConfigFault(c -> c.put("is_gated_act", false) != null, "\"is_gated_act\"");
    assertConfigFault(c -> c.put("model_type", "bert") != null, "\"model_type\" is 'bert'");
    assertConfigFault(c -> c.put("dense_act_fn", "relu") != null, "\"dense_act_fn\"");
    Path missing = dir.resolve("nowhere");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> T5Encoder.load(missing, ComputeTarget.CPU_FLOAT32));
    assertEquals(missing + ": no such text encoder folder", e.getMessage());
  }

  private void assertConfigFault(Predicate<ObjectNode> edit, String expected) throws IOException {
    ObjectNode config = (ObjectNode) StrictJson.readObject(Golden.dir("umt5").resolve("config.json"));
    assertTrue(edit.test(config) || true);
    Path folder = Files.createTempDirectory(dir, "cfg");
    Files.copy(Golden.dir("umt5").resolve("model.safetensors"), folder.resolve("model.safetensors"));
    Path file = folder.resolve("config.json");
    StrictJson.writeFile(file, StrictJson.write(config));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> T5Encoder.load(folder, ComputeTarget.CPU_FLOAT32));
    assertOneLine(e, file.toString(), expected);
  }

  @Test
  void badCheckpointsAreOneLineNamingTheFolder() throws IOException {
    String q1 = "encoder.block.1.layer.0.SelfAttention.q.weight";
    IllegalArgumentException lacking = assertThrows(IllegalArgumentException.class, () -> loadRewritten("lacks", q1, null));
    assertOneLine(lacking, dir.resolve("lacks").toString(), "checkpoint lacks tensor '" + q1 + "'");
    IllegalArgumentException shaped = assertThrows(IllegalArgumentException.class, () -> loadRewritten("shape", q1, torch.ones(32, 31)));
    assertOneLine(shaped, dir.resolve("shape").toString(), "has shape [32, 31] but config.json implies [32, 32]");
    // The umt5 weights under a t5 config: blocks 1 and 2 hold biases a T5 config does not read.
    Path t5Config = dir.resolve("as-t5");
    Files.createDirectories(t5Config);
    Files.copy(Golden.dir("umt5").resolve("model.safetensors"), t5Config.resolve("model.safetensors"));
    ObjectNode config = (ObjectNode) StrictJson.readObject(Golden.dir("umt5").resolve("config.json"));
    config.put("model_type", "t5");
    config.putArray("architectures").add("T5EncoderModel");
    StrictJson.writeFile(t5Config.resolve("config.json"), StrictJson.write(config));
    IllegalArgumentException leftover = assertThrows(IllegalArgumentException.class, () -> T5Encoder.load(t5Config, ComputeTarget.CPU_FLOAT32));
    assertOneLine(leftover, t5Config.toString(), "relative_attention_bias");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Files.copy(Golden.dir("umt5").resolve("config.json"), empty.resolve("config.json"));
    RuntimeException none = assertThrows(RuntimeException.class, () -> T5Encoder.load(empty, ComputeTarget.CPU_FLOAT32));
    assertOneLine(none, empty.toString(), "model.safetensors");
  }

  /** The umt5 golden folder with {@code name} removed ({@code replacement} null) or replaced. */
  private void loadRewritten(String folderName, String name, Tensor replacement) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(folderName));
    Files.copy(Golden.dir("umt5").resolve("config.json"), folder.resolve("config.json"));
    try (PointerScope scope = new PointerScope();
        SafetensorsFile src = SafetensorsFile.open(Golden.dir("umt5").resolve("model.safetensors"))) {
      SafetensorsWriter w = new SafetensorsWriter();
      for (String n : src.names()) {
        if (!n.equals(name)) {
          w.put(n, src.tensor(n));
        } else if (replacement != null) {
          w.put(n, replacement);
        }
      }
      w.write(folder.resolve("model.safetensors"));
    }
    T5Encoder.load(folder, ComputeTarget.CPU_FLOAT32).close();
  }

  private static void assertOneLine(RuntimeException e, String prefix, String fragment) {
    String m = e.getMessage();
    assertEquals(1, m.lines().count(), m);
    assertTrue(m.startsWith(prefix), m);
    assertTrue(m.contains(fragment), m);
  }
}
