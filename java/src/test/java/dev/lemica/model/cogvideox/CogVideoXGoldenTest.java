package dev.lemica.model.cogvideox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** fp32 CPU output and every block activation (video and text stream) equal the reference within 1e-5 relative L2. */
class CogVideoXGoldenTest {
  static final double TOLERANCE = 1e-5;

  static Stream<String> goldenFolders() {
    return Stream.of("cogvideox15", "cogvideox15-variant", "cogvideox15-frames")
        .filter(name -> Files.isDirectory(Path.of("src/test/resources/golden", name)));
  }

  @ParameterizedTest
  @MethodSource("goldenFolders")
  void matchesReferenceOutputAndEveryBlock(String folder) {
    Path dir = Golden.dir(folder);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      Map<String, Tensor> activations = new HashMap<>();
      Tensor out = model.forward(Golden.inputs(io), call -> call.runBlocks(Golden.recorder(activations)));
      Map<String, Double> errors = Golden.assertMatches(io, activations, out, TOLERANCE, folder);
      assertEquals(2 * model.blockCount() + 1, errors.size(), "every block's video and text stream: " + errors.keySet());
      System.out.println(folder + " relative L2: " + errors);
    }
  }

  /** The pipeline's image_rotary_emb, recomputed from the latent size and the config alone. */
  @Test
  void rotaryTablesAreThePipelines() {
    Path dir = Golden.dir("cogvideox15");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"))) {
      CogVideoXConfig config = CogVideoXConfig.from(ModelConfig.read(dir.resolve("config.json")));
      Tensor latent = io.tensor("in.hidden_states");
      CogVideoXRotaryEmbedding.Tables tables =
          CogVideoXRotaryEmbedding.forLatent(config, latent.size(1), latent.size(3), latent.size(4), ComputeTarget.CPU_FLOAT32.device());
      // torch's float32 cos is within an ulp of the true value, and which ulp depends on the CPU's
      // vector kernels: the reference machine's cos(1) is 0.54030234, ours the correctly rounded 0.5403023.
      for (String name : new String[] {"cos", "sin"}) {
        Tensor ours = name.equals("cos") ? tables.cos() : tables.sin();
        Tensor reference = io.tensor("in.rope_" + name);
        assertTrue(Tensors.sameShape(ours, reference), Tensors.shapeString(ours));
        double maxDifference = ours.sub(reference).abs().max().item_double();
        assertTrue(maxDifference <= 6e-8, name + " differs by " + maxDifference + ", more than one float32 ulp below 1");
        assertTrue(Tensors.relativeL2(ours, reference) < 1e-7, name);
      }
    }
  }

  /** Without rope_cos / rope_sin the model computes them: the same output as with forLatent's tables given, and the pipeline's up to cos ulps. */
  @Test
  void computesTheRotaryTablesWhenNotGiven() {
    Path dir = Golden.dir("cogvideox15");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      Map<String, Tensor> in = new HashMap<>(Golden.inTensors(io));
      Tensor pipelines = model.forward(ForwardInputs.of(in));
      Tensor latent = in.get("hidden_states");
      CogVideoXRotaryEmbedding.Tables tables = CogVideoXRotaryEmbedding.forLatent(
          ((CogVideoXTransformer) model).config(), latent.size(1), latent.size(3), latent.size(4), model.target().device());
      in.put(CogVideoXTransformer.ROPE_COS, tables.cos());
      in.put(CogVideoXTransformer.ROPE_SIN, tables.sin());
      Tensor given = model.forward(ForwardInputs.of(in));
      in.remove(CogVideoXTransformer.ROPE_COS);
      in.remove(CogVideoXTransformer.ROPE_SIN);
      Tensor computed = model.forward(ForwardInputs.of(in));
      assertEquals(0.0, Tensors.relativeL2(computed, given));
      assertTrue(Tensors.relativeL2(computed, pipelines) < 1e-6);
      assertTrue(Tensors.relativeL2(computed, io.tensor("out.sample")) < TOLERANCE);
    }
  }

  /** Independent of the reference: each table entry against the formula, evaluated in double. */
  @Test
  void rotaryTablesFollowTheFormulaOnANonSquareGrid() {
    Path dir = Golden.dir("cogvideox15");
    CogVideoXConfig config = CogVideoXConfig.from(ModelConfig.read(dir.resolve("config.json")));
    int frames = 3;
    int rows = 2;
    int columns = 4;
    try (PointerScope scope = new PointerScope()) {
      CogVideoXRotaryEmbedding.Tables tables = CogVideoXRotaryEmbedding.forGrid(config, frames, rows, columns, ComputeTarget.CPU_FLOAT32.device());
      int hd = config.headDim();
      float[] cos = Tensors.toFloats(tables.cos());
      float[] sin = Tensors.toFloats(tables.sin());
      assertEquals(frames * rows * columns * hd, cos.length);
      int[] widths = {hd / 4, hd / 8 * 3, hd / 8 * 3};
      int token = 0;
      for (int t = 0; t < frames; t++) {
        for (int h = 0; h < rows; h++) {
          for (int w = 0; w < columns; w++, token++) {
            int[] position = {t, h, w};
            int channel = 0;
            for (int axis = 0; axis < 3; axis++) {
              for (int k = 0; k < widths[axis] / 2; k++) {
                double angle = position[axis] / Math.pow(10000.0, 2.0 * k / widths[axis]);
                for (int twice = 0; twice < 2; twice++, channel++) {
                  assertEquals(Math.cos(angle), cos[token * hd + channel], 2e-6, "cos token " + token + " channel " + channel);
                  assertEquals(Math.sin(angle), sin[token * hd + channel], 2e-6, "sin token " + token + " channel " + channel);
                }
              }
            }
          }
        }
      }
    }
  }

  /** A batch of two equals the two samples run alone (each with its own timestep and text). */
  @Test
  void batchOfTwoIsTwoSingles() {
    Path dir = Golden.dir("cogvideox15");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      torch.manual_seed(7);
      Tensor video = io.tensor("in.hidden_states");
      Tensor text = io.tensor("in.encoder_hidden_states");
      Tensor video2 = torch.randn(Tensors.shape(video));
      Tensor text2 = torch.randn(Tensors.shape(text));
      Tensor t1 = Tensors.fromLongs(new long[] {999}, 1);
      Tensor t2 = Tensors.fromLongs(new long[] {124}, 1);
      Tensor a = model.forward(ForwardInputs.of(Map.of("hidden_states", video, "encoder_hidden_states", text, "timestep", t1)));
      Tensor b = model.forward(ForwardInputs.of(Map.of("hidden_states", video2, "encoder_hidden_states", text2, "timestep", t2)));
      Tensor both = model.forward(ForwardInputs.of(Map.of(
          "hidden_states", torch.cat(new org.bytedeco.pytorch.TensorVector(video, video2), 0),
          "encoder_hidden_states", torch.cat(new org.bytedeco.pytorch.TensorVector(text, text2), 0),
          "timestep", Tensors.fromLongs(new long[] {999, 124}, 2))));
      assertTrue(Tensors.relativeL2(both.narrow(0, 0, 1), a) < 1e-6);
      assertTrue(Tensors.relativeL2(both.narrow(0, 1, 1), b) < 1e-6);
      assertTrue(Tensors.relativeL2(a, b) > 0.1, "the two samples differ");
    }
  }
}
