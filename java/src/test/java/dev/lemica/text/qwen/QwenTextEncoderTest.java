package dev.lemica.text.qwen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QwenTextEncoderTest {
  @TempDir Path dir;

  /** Not the golden's shape: 6 query heads over 2 key/value heads, head_dim 8, mrope [1, 2, 1]. */
  private static QwenTextConfig own(int... section) {
    return new QwenTextConfig(QwenTextConfig.CONDITIONAL_GENERATION, 50, 48, 40, 2, 6, 2, 1e-6, 10000.0, section, Path.of("own"));
  }

  private static final long[] IDS = {3, 17, 42, 9, 33, 1, 49, 20, 11, 5, 7};

  /**
   * Weights for {@link #own} at the scale of a trained model (WeightLoader.random's 0.02 makes every
   * attention score ~0 and so hides what positions do): matrices N(0, 1/fan_in), biases N(0, 0.25),
   * norms 1 + N(0, 0.01), embeddings N(0, 1).
   */
  private QwenTextEncoder ownEncoder(int... section) {
    QwenTextConfig c = own(section);
    Path folder = dir.resolve("own-weights");
    if (!Files.exists(folder.resolve("model.safetensors"))) {
      torch.manual_seed(11);
      SafetensorsWriter w = new SafetensorsWriter();
      w.put("model.embed_tokens.weight", torch.randn(c.vocabSize(), c.hidden()));
      int kv = c.kvHeads() * c.headDim();
      for (int i = 0; i < c.layers(); i++) {
        String p = "model.layers." + i;
        w.put(p + ".input_layernorm.weight", norm(c.hidden()));
        w.put(p + ".post_attention_layernorm.weight", norm(c.hidden()));
        w.put(p + ".self_attn.q_proj.weight", matrix(c.hidden(), c.hidden())).put(p + ".self_attn.q_proj.bias", bias(c.hidden()));
        w.put(p + ".self_attn.k_proj.weight", matrix(kv, c.hidden())).put(p + ".self_attn.k_proj.bias", bias(kv));
        w.put(p + ".self_attn.v_proj.weight", matrix(kv, c.hidden())).put(p + ".self_attn.v_proj.bias", bias(kv));
        w.put(p + ".self_attn.o_proj.weight", matrix(c.hidden(), c.hidden()));
        w.put(p + ".mlp.gate_proj.weight", matrix(c.intermediate(), c.hidden()));
        w.put(p + ".mlp.up_proj.weight", matrix(c.intermediate(), c.hidden()));
        w.put(p + ".mlp.down_proj.weight", matrix(c.hidden(), c.intermediate()));
      }
      w.put("model.norm.weight", norm(c.hidden()));
      try {
        Files.createDirectories(folder);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      w.write(folder.resolve("model.safetensors"));
    }
    return QwenTextEncoder.load(c, folder, ComputeTarget.CPU_FLOAT32);
  }

  private static Tensor matrix(long out, long in) {
    return torch.randn(out, in).div(new Scalar(Math.sqrt(in)));
  }

  private static Tensor bias(long n) {
    return torch.randn(n).mul(new Scalar(0.5));
  }

  private static Tensor norm(long n) {
    return torch.randn(n).mul(new Scalar(0.1)).add(new Scalar(1.0));
  }

  @Test
  void randomWeightsRunAtTheirShape() {
    try (PointerScope scope = new PointerScope();
        QwenTextEncoder encoder = QwenTextEncoder.withRandomWeights(own(1, 2, 1), ComputeTarget.CPU_FLOAT32, 5)) {
      assertEquals("[1, 11, 48]", Tensors.shapeString(encoder.lastHiddenState(Tensors.fromLongs(IDS, 1, IDS.length), null)));
    }
  }

  /** A row's real tokens do not depend on its padding side or on the other rows of the batch. */
  @Test
  void paddingSideAndBatchingLeaveRealTokensUnchanged() {
    try (PointerScope scope = new PointerScope();
        QwenTextEncoder encoder = ownEncoder(1, 2, 1)) {
      long[] b = {8, 2, 30};
      int width = IDS.length;
      Tensor aloneA = encoder.lastHiddenState(Tensors.fromLongs(IDS, 1, width), null);
      Tensor aloneB = encoder.lastHiddenState(Tensors.fromLongs(b, 1, b.length), null);
      for (boolean left : new boolean[] {false, true}) {
        long[] ids = new long[2 * width];
        long[] mask = new long[2 * width];
        System.arraycopy(IDS, 0, ids, 0, width);
        java.util.Arrays.fill(mask, 0, width, 1);
        int start = left ? width - b.length : 0;
        for (int i = 0; i < b.length; i++) {
          ids[width + start + i] = b[i];
          mask[width + start + i] = 1;
        }
        Tensor batch = encoder.lastHiddenState(Tensors.fromLongs(ids, 2, width), Tensors.fromLongs(mask, 2, width));
        assertTrue(Tensors.relativeL2(batch.select(0, 0), aloneA.select(0, 0)) < 1e-6);
        double err = Tensors.relativeL2(batch.select(0, 1).narrow(0, start, b.length), aloneB.select(0, 0));
        assertTrue(err < 1e-6, (left ? "left" : "right") + " padding: " + err);
      }
    }
  }

  /** RoPE sees only distances: moving every position by 7 changes nothing but rounding. */
  @Test
  void shiftingAllPositionsChangesNothing() {
    try (PointerScope scope = new PointerScope();
        QwenTextEncoder encoder = ownEncoder(1, 2, 1)) {
      Tensor ids = Tensors.fromLongs(IDS, 1, IDS.length);
      Tensor plain = encoder.lastHiddenState(ids, null);
      Tensor positions = QwenPositions.textOnly(null, 1, IDS.length, ids.device());
      Tensor same = encoder.lastHiddenState(ids, null, positions.select(0, 0), BlockObserver.NONE);
      assertEquals(0.0, Tensors.relativeL2(same, plain), 0.0);
      Tensor shifted = encoder.lastHiddenState(ids, null, positions.add(new Scalar(7)), BlockObserver.NONE);
      double err = Tensors.relativeL2(shifted, plain);
      assertTrue(err > 0 && err < 1e-5, "shift by 7: " + err);
    }
  }

  /**
   * The mrope split: with text positions every section gives the same result; with three different
   * axes, a section that gives every frequency to one axis equals that axis alone on all three.
   */
  @Test
  void mropeSectionsTakeTheirAxis() {
    Tensor ids = Tensors.fromLongs(IDS, 1, IDS.length);
    long[] t = new long[IDS.length];
    long[] h = new long[IDS.length];
    long[] w = new long[IDS.length];
    for (int i = 0; i < t.length; i++) {
      t[i] = i;
      h[i] = 3 * i % 5;
      w[i] = 20 - i;
    }
    long[] all = new long[3 * t.length];
    System.arraycopy(t, 0, all, 0, t.length);
    System.arraycopy(h, 0, all, t.length, t.length);
    System.arraycopy(w, 0, all, 2 * t.length, t.length);
    Tensor threeAxes = Tensors.fromLongs(all, 3, 1, t.length);
    try (PointerScope scope = new PointerScope();
        QwenTextEncoder mixed = ownEncoder(1, 2, 1);
        QwenTextEncoder axis0 = ownEncoder(4, 0, 0);
        QwenTextEncoder axis2 = ownEncoder(0, 0, 4)) {
      assertEquals(0.0, Tensors.relativeL2(mixed.lastHiddenState(ids, null), axis0.lastHiddenState(ids, null)), 0.0);
      Tensor onlyT = axis0.lastHiddenState(ids, null, Tensors.fromLongs(t, 1, t.length), BlockObserver.NONE);
      assertEquals(0.0, Tensors.relativeL2(axis0.lastHiddenState(ids, null, threeAxes, BlockObserver.NONE), onlyT), 0.0);
      Tensor onlyW = axis2.lastHiddenState(ids, null, Tensors.fromLongs(w, 1, w.length), BlockObserver.NONE);
      assertEquals(0.0, Tensors.relativeL2(axis2.lastHiddenState(ids, null, threeAxes, BlockObserver.NONE), onlyW), 0.0);
      assertTrue(Tensors.relativeL2(mixed.lastHiddenState(ids, null, threeAxes, BlockObserver.NONE), mixed.lastHiddenState(ids, null)) > 1e-4);
    }
  }

  @Test
  void bfloat16StaysNearFloat32() {
    Path golden = Golden.dir("qwen25vl_text");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        QwenTextEncoder encoder = QwenTextEncoder.load(golden, new ComputeTarget("cpu", ScalarType.BFloat16))) {
      Tensor out = encoder.lastHiddenState(io.tensor("in.input_ids"), io.tensor("in.attention_mask"));
      assertEquals(ScalarType.BFloat16.value, out.scalar_type().value);
      double err = Tensors.relativeL2(out, io.tensor("out.hidden_states_last"));
      assertTrue(err < 3e-2, "bf16: " + err);
    }
  }

  /** A v5-written config (rope_parameters, no text_config) reads to the same model. */
  @Test
  void readsTheV5ConfigLayout() throws IOException {
    Path golden = Golden.dir("qwen25vl_text");
    ObjectNode config = (ObjectNode) StrictJson.readObject(golden.resolve("config.json"));
    config.remove("text_config");
    ObjectNode rope = (ObjectNode) config.remove("rope_scaling");
    rope.remove("type");
    rope.put("rope_theta", config.remove("rope_theta").asDouble());
    config.set("rope_parameters", rope);
    Path folder = Files.createDirectories(dir.resolve("v5"));
    StrictJson.writeFile(folder.resolve("config.json"), StrictJson.write(config));
    Files.copy(golden.resolve("model.safetensors"), folder.resolve("model.safetensors"));
    QwenTextConfig v4 = QwenTextConfig.read(golden.resolve("config.json"));
    QwenTextConfig v5 = QwenTextConfig.read(folder.resolve("config.json"));
    assertEquals(v4.ropeTheta(), v5.ropeTheta());
    assertArrayEquals(v4.mropeSection(), v5.mropeSection());
    assertEquals(v4.withLayers(2).toString().replace(v4.file().toString(), ""), v5.withLayers(2).toString().replace(v5.file().toString(), ""));
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        QwenTextEncoder encoder = QwenTextEncoder.load(folder, ComputeTarget.CPU_FLOAT32)) {
      assertTrue(Tensors.relativeL2(encoder.lastHiddenState(io.tensor("in.input_ids"), io.tensor("in.attention_mask")), io.tensor("out.hidden_states_last")) < 1e-5);
    }
  }

  @Test
  void thePresetHasQwenImageDimensions() {
    QwenTextConfig c = QwenTextConfig.preset("qwen2.5-vl-7b-text");
    assertEquals(3584, c.hidden());
    assertEquals(18944, c.intermediate());
    assertEquals(28, c.layers());
    assertEquals(28, c.heads());
    assertEquals(4, c.kvHeads());
    assertEquals(128, c.headDim());
    assertEquals(152064, c.vocabSize());
    assertArrayEquals(new int[] {16, 24, 24}, c.mropeSection());
    assertEquals(1e6, c.ropeTheta());
    assertThrows(IllegalArgumentException.class, () -> QwenTextConfig.preset("qwen-nope"));
  }

  @Test
  void badConfigsAreOneLineNamingTheFile() throws IOException {
    assertConfigFault(c -> text(c).put("hidden_act", "gelu"), "\"hidden_act\" is 'gelu'");
    assertConfigFault(c -> ((ObjectNode) text(c).get("rope_scaling")).put("rope_type", "yarn"), "rope_type 'yarn'");
    assertConfigFault(c -> ((ObjectNode) text(c).get("rope_scaling")).putArray("mrope_section").add(2).add(2).add(2), "must be 3 non-negative counts summing to head_dim / 2 = 4");
    assertConfigFault(c -> text(c).put("use_sliding_window", true), "\"use_sliding_window\" is true");
    assertConfigFault(c -> text(c).remove("rope_scaling"), "\"rope_scaling\" is missing");
    assertConfigFault(c -> text(c).put("num_key_value_heads", 3), "is not a multiple of \"num_key_value_heads\" 3");
    assertConfigFault(c -> c.put("model_type", "llama"), "\"model_type\" is 'llama'");
    assertConfigFault(c -> text(c).put("num_hidden_layers", 1), "checkpoint holds 12 language-model tensor(s) config.json does not account for");
    assertConfigFault(c -> text(c).put("intermediate_size", 40), "has shape [48, 32] but config.json implies [40, 32]");
  }

  @Test
  void aCheckpointOfAnotherModelIsOneLine() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("clip-weights"));
    Files.copy(Golden.dir("qwen25vl_text").resolve("config.json"), folder.resolve("config.json"));
    Files.copy(Golden.dir("clip_text").resolve("model.safetensors"), folder.resolve("model.safetensors"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenTextEncoder.load(folder, ComputeTarget.CPU_FLOAT32));
    assertEquals(
        folder + ": checkpoint lacks tensor 'model.embed_tokens.weight' (nor 'model.language_model.embed_tokens.weight'): not a Qwen2.5-VL checkpoint",
        e.getMessage());
  }

  /** Edits go to text_config, which transformers (and this loader) reads first. */
  private static ObjectNode text(ObjectNode config) {
    return (ObjectNode) config.get("text_config");
  }

  private void assertConfigFault(Consumer<ObjectNode> edit, String fragment) throws IOException {
    ObjectNode config = (ObjectNode) StrictJson.readObject(Golden.dir("qwen25vl_text").resolve("config.json"));
    edit.accept(config);
    Path folder = Files.createTempDirectory(dir, "cfg");
    Files.copy(Golden.dir("qwen25vl_text").resolve("model.safetensors"), folder.resolve("model.safetensors"));
    StrictJson.writeFile(folder.resolve("config.json"), StrictJson.write(config));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenTextEncoder.load(folder, ComputeTarget.CPU_FLOAT32).close());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(folder.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
