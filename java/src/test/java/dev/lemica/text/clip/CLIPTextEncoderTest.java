package dev.lemica.text.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CLIPTextEncoderTest {
  @TempDir Path dir;

  private static CLIPTextEncoder golden() {
    return CLIPTextEncoder.load(Golden.dir("clip_text"), ComputeTarget.CPU_FLOAT32);
  }

  /** The causal mask: a prefix's states do not depend on the tokens after it. */
  @Test
  void aPrefixDoesNotSeeLaterTokens() {
    try (PointerScope scope = new PointerScope(); CLIPTextEncoder encoder = golden()) {
      long[] a = {98, 5, 17, 42, 9, 33, 99, 99, 99, 99};
      long[] b = a.clone();
      b[5] = 70;
      b[7] = 3;
      Tensor outA = encoder.lastHiddenState(Tensors.fromLongs(a, 1, a.length), null);
      Tensor outB = encoder.lastHiddenState(Tensors.fromLongs(b, 1, b.length), null);
      assertEquals(0.0, Tensors.relativeL2(outB.narrow(1, 0, 5), outA.narrow(1, 0, 5)), 1e-7);
      assertTrue(Tensors.relativeL2(outB.narrow(1, 5, 5), outA.narrow(1, 5, 5)) > 1e-2, "later positions must change");
      // And the first 6 positions of a 10-token row equal a 6-token row's: nothing pads or shifts.
      Tensor shortRow = encoder.lastHiddenState(Tensors.fromLongs(java.util.Arrays.copyOf(a, 6), 1, 6), null);
      assertEquals(0.0, Tensors.relativeL2(outA.narrow(1, 0, 6), shortRow), 1e-6);
    }
  }

  @Test
  void aBatchOfTwoEqualsTwoSingles() {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("clip_text").resolve("io.safetensors"));
        CLIPTextEncoder encoder = golden()) {
      Tensor ids = io.tensor("in.input_ids");
      CLIPTextOutput both = encoder.forward(ids, null, (i, t) -> {});
      for (int row = 0; row < 2; row++) {
        CLIPTextOutput one = encoder.forward(ids.narrow(0, row, 1), null, (i, t) -> {});
        assertTrue(Tensors.relativeL2(both.lastHiddenState().narrow(0, row, 1), one.lastHiddenState()) < 1e-6);
        assertTrue(Tensors.relativeL2(both.pooledOutput().narrow(0, row, 1), one.pooledOutput()) < 1e-6);
      }
    }
  }

  /** A padding mask hides keys: all ones changes nothing; hiding key 3 changes queries 3.. only. */
  @Test
  void anAttentionMaskHidesKeysOnTopOfTheCausalMask() {
    try (PointerScope scope = new PointerScope(); CLIPTextEncoder encoder = golden()) {
      long[] ids = {98, 5, 17, 42, 9, 33, 99};
      Tensor t = Tensors.fromLongs(ids, 1, ids.length);
      Tensor plain = encoder.lastHiddenState(t, null);
      Tensor ones = encoder.lastHiddenState(t, Tensors.fromLongs(new long[] {1, 1, 1, 1, 1, 1, 1}, 1, 7));
      assertEquals(0.0, Tensors.relativeL2(ones, plain), 1e-7);
      Tensor hidden3 = encoder.lastHiddenState(t, Tensors.fromLongs(new long[] {1, 1, 1, 0, 1, 1, 1}, 1, 7));
      assertEquals(0.0, Tensors.relativeL2(hidden3.narrow(1, 0, 3), plain.narrow(1, 0, 3)), 1e-7);
      assertTrue(Tensors.relativeL2(hidden3.narrow(1, 4, 3), plain.narrow(1, 4, 3)) > 1e-3);
    }
  }

  /** transformers' pooled-index rule, including the eos_token_id: 2 of real configs. */
  @Test
  void pooledIndexRule() {
    CLIPTextConfig real = CLIPTextConfig.preset("clip-vit-large-patch14").withLayers(1);
    assertEquals(2, real.eosTokenId());
    CLIPTextConfig eos5 = tinyConfig(5);
    try (PointerScope scope = new PointerScope();
        CLIPTextEncoder byConfig2 = CLIPTextEncoder.withRandomWeights(tinyConfig(2), ComputeTarget.CPU_FLOAT32, 1);
        CLIPTextEncoder byConfig5 = CLIPTextEncoder.withRandomWeights(eos5, ComputeTarget.CPU_FLOAT32, 1)) {
      // Real FLUX rows: bos 49406, tokens, eos 49407 padded with 49407 -> the first 49407, whatever the config says.
      long[] real2 = {49406, 320, 1125, 49407, 49407, 49406, 49407, 49407, 49407, 49407};
      assertArrayEquals(new long[] {3, 1}, byConfig2.pooledIndex(real2, 5));
      assertArrayEquals(new long[] {3, 1}, byConfig5.pooledIndex(real2, 5));
      // Without 49407 in every row: config eos 5 -> its first position (0 when absent) ...
      long[] tiny = {7, 5, 9, 5, 9, 7, 8, 9, 9, 9};
      assertArrayEquals(new long[] {1, 0}, byConfig5.pooledIndex(tiny, 5));
      // ... and config eos 2 (older transformers: argmax) -> the first largest id, never position 0 by default.
      assertArrayEquals(new long[] {2, 2}, byConfig2.pooledIndex(tiny, 5));
    }
  }

  private static CLIPTextConfig tinyConfig(long eos) {
    return new CLIPTextConfig(CLIPTextConfig.TEXT_MODEL, 49408, 8, 16, 2, 1, 77, 1e-5, "quick_gelu", eos, 8, Path.of("tiny"));
  }

  /** CLIPTextModelWithProjection: text_embeds = text_projection(pooler_output); CLIPTextModel ignores that weight. */
  @Test
  void withProjection() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("proj"));
    ObjectNode config = (ObjectNode) StrictJson.readObject(Golden.dir("clip_text").resolve("config.json"));
    config.putArray("architectures").add("CLIPTextModelWithProjection");
    config.put("projection_dim", 6);
    StrictJson.writeFile(folder.resolve("config.json"), StrictJson.write(config));
    try (PointerScope scope = new PointerScope();
        SafetensorsFile src = SafetensorsFile.open(Golden.dir("clip_text").resolve("model.safetensors"));
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("clip_text").resolve("io.safetensors"))) {
      SafetensorsWriter w = new SafetensorsWriter();
      src.names().forEach(n -> w.put(n, src.tensor(n)));
      torch.manual_seed(3);
      Tensor projection = torch.randn(6, 32);
      w.put("text_projection.weight", projection).put("text_model.embeddings.position_ids", torch.arange(new org.bytedeco.pytorch.Scalar(77)).unsqueeze(0));
      w.write(folder.resolve("model.safetensors"));
      try (CLIPTextEncoder encoder = CLIPTextEncoder.load(folder, ComputeTarget.CPU_FLOAT32)) {
        assertEquals("CLIPTextModelWithProjection", encoder.className());
        Map<String, Tensor> out = encoder.outputs(io.tensor("in.input_ids"), null);
        assertEquals("[last_hidden_state, pooler_output, text_embeds]", out.keySet().toString());
        Tensor expected = torch.matmul(io.tensor("out.pooler_output"), projection.t());
        assertTrue(Tensors.relativeL2(out.get("text_embeds"), expected) < 1e-5);
      }
      try (CLIPTextEncoder plain = CLIPTextEncoder.load(CLIPTextConfig.read(folder.resolve("config.json")).asClass("CLIPTextModel"), folder, ComputeTarget.CPU_FLOAT32)) {
        assertFalse(plain.outputs(io.tensor("in.input_ids"), null).containsKey("text_embeds"));
        assertThrows(IllegalStateException.class, () -> plain.textEmbeds(io.tensor("out.pooler_output")));
      }
    }
  }

  @Test
  void reducedPrecisionStaysNearFloat32() {
    for (ScalarType dtype : new ScalarType[] {ScalarType.BFloat16, ScalarType.Half}) {
      try (PointerScope scope = new PointerScope();
          SafetensorsFile io = SafetensorsFile.open(Golden.dir("clip_text").resolve("io.safetensors"));
          CLIPTextEncoder encoder = CLIPTextEncoder.load(Golden.dir("clip_text"), new ComputeTarget("cpu", dtype))) {
        CLIPTextOutput out = encoder.forward(io.tensor("in.input_ids"), null, (i, t) -> {});
        assertEquals(dtype.value, out.pooledOutput().scalar_type().value);
        double err = Tensors.relativeL2(out.pooledOutput(), io.tensor("out.pooler_output"));
        assertTrue(err < (dtype == ScalarType.Half ? 5e-3 : 3e-2), dtype + ": " + err);
      }
    }
  }

  @Test
  void thePresetHasFluxDimensionsAndRuns() {
    CLIPTextConfig l = CLIPTextConfig.preset("clip-vit-large-patch14");
    assertEquals(768, l.hidden());
    assertEquals(3072, l.intermediate());
    assertEquals(12, l.heads());
    assertEquals(12, l.layers());
    assertEquals(49408, l.vocabSize());
    assertEquals(77, l.maxPositions());
    assertEquals("quick_gelu", l.hiddenAct());
    assertThrows(IllegalArgumentException.class, () -> CLIPTextConfig.preset("clip-nope"));
    try (PointerScope scope = new PointerScope();
        CLIPTextEncoder encoder = CLIPTextEncoder.withRandomWeights(l.withLayers(1), ComputeTarget.CPU_FLOAT32, 7)) {
      long[] ids = new long[77];
      java.util.Arrays.fill(ids, 49407);
      ids[0] = 49406;
      ids[1] = 320;
      CLIPTextOutput out = encoder.forward(Tensors.fromLongs(ids, 1, 77), null, (i, t) -> {});
      assertEquals("[1, 77, 768]", Tensors.shapeString(out.lastHiddenState()));
      assertEquals(0.0, Tensors.relativeL2(out.pooledOutput(), out.lastHiddenState().select(1, 2)), 0.0);
    }
  }

  @Test
  void badConfigsAndInputsAreOneLine() throws IOException {
    assertConfigFault(c -> c.put("hidden_act", "relu"), "\"hidden_act\" is 'relu'");
    assertConfigFault(c -> c.remove("vocab_size"), "missing key \"vocab_size\"");
    assertConfigFault(c -> c.put("model_type", "bert"), "\"model_type\" is 'bert'");
    assertConfigFault(c -> c.put("num_attention_heads", 5), "is not a multiple of \"num_attention_heads\" 5");
    assertConfigFault(c -> c.put("num_hidden_layers", 1), "checkpoint holds 16 text_model tensor(s) config.json does not account for");
    assertConfigFault(c -> c.put("intermediate_size", 48), "has shape [64, 32] but config.json implies [48, 32]");
    try (PointerScope scope = new PointerScope(); CLIPTextEncoder encoder = golden()) {
      IllegalArgumentException longer = assertThrows(IllegalArgumentException.class, () -> encoder.lastHiddenState(torch.zeros(new long[] {1, 78}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Long)), null));
      assertEquals("input_ids have 78 tokens, more than max_position_embeddings 77", longer.getMessage());
      IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class, () -> encoder.pooledOutput(Tensors.fromLongs(new long[] {98, 100}, 1, 2)));
      assertEquals("input_ids hold id 100, outside the vocabulary [0, 100)", vocab.getMessage());
    }
  }

  private void assertConfigFault(Consumer<ObjectNode> edit, String fragment) throws IOException {
    ObjectNode config = (ObjectNode) StrictJson.readObject(Golden.dir("clip_text").resolve("config.json"));
    edit.accept(config);
    Path folder = Files.createTempDirectory(dir, "cfg");
    Files.copy(Golden.dir("clip_text").resolve("model.safetensors"), folder.resolve("model.safetensors"));
    StrictJson.writeFile(folder.resolve("config.json"), StrictJson.write(config));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CLIPTextEncoder.load(folder, ComputeTarget.CPU_FLOAT32).close());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(folder.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
