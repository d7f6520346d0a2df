package dev.lemica.model.latte;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
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
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** fp32 CPU output and every spatial and temporal block activation equal the reference within 1e-5 relative L2. */
class LatteGoldenTest {
  static final double TOLERANCE = 1e-5;

  static Stream<String> goldenFolders() {
    return Stream.of("latte", "latte-variant", "latte-frames")
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
      assertEquals(model.blockCount() + 1, errors.size(), "every spatial and temporal block: " + errors.keySet());
      System.out.println(folder + " relative L2: " + errors);
    }
  }

  /** A batch of two equals the two samples run alone (each with its own timestep and caption). */
  @Test
  void batchOfTwoIsTwoSingles() {
    Path dir = Golden.dir("latte");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      torch.manual_seed(11);
      Tensor video = io.tensor("in.hidden_states");
      Tensor text = io.tensor("in.encoder_hidden_states");
      Tensor video2 = torch.randn(Tensors.shape(video));
      Tensor text2 = torch.randn(Tensors.shape(text));
      Tensor a = model.forward(inputs(video, text, new long[] {875}));
      Tensor b = model.forward(inputs(video2, text2, new long[] {125}));
      Tensor both = model.forward(inputs(torch.cat(new TensorVector(video, video2), 0), torch.cat(new TensorVector(text, text2), 0), new long[] {875, 125}));
      assertTrue(Tensors.relativeL2(both.narrow(0, 0, 1), a) < 1e-6);
      assertTrue(Tensors.relativeL2(both.narrow(0, 1, 1), b) < 1e-6);
      assertTrue(Tensors.relativeL2(a, b) > 0.1, "the two samples differ");
    }
  }

  /**
   * enable_temporal_attentions=false leaves only the spatial blocks, which see one frame at a time:
   * each frame's output is that frame's output run alone (one frame skips the temporal positions).
   */
  @Test
  void withoutTemporalAttentionFramesAreIndependent() {
    Path dir = Golden.dir("latte");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      Tensor video = io.tensor("in.hidden_states");
      Tensor text = io.tensor("in.encoder_hidden_states");
      var off = JsonNodeFactory.instance.objectNode().put(LatteTransformer.ENABLE_TEMPORAL_ATTENTIONS, false);
      Map<String, Tensor> all = Map.of("hidden_states", video, "encoder_hidden_states", text, "timestep", io.tensor("in.timestep"));
      Tensor spatialOnly = model.forward(new ForwardInputs(all, off));
      assertTrue(Tensors.relativeL2(spatialOnly, io.tensor("out.sample")) > 1e-3, "the temporal blocks matter");
      for (int f = 0; f < video.size(2); f++) {
        Map<String, Tensor> one = new HashMap<>(all);
        one.put("hidden_states", video.narrow(2, f, 1));
        Tensor alone = model.forward(new ForwardInputs(one, off));
        assertTrue(Tensors.relativeL2(spatialOnly.narrow(2, f, 1), alone) < 1e-6, "frame " + f);
      }
    }
  }

  private static ForwardInputs inputs(Tensor video, Tensor text, long[] timesteps) {
    return ForwardInputs.of(Map.of("hidden_states", video, "encoder_hidden_states", text, "timestep", Tensors.fromLongs(timesteps, timesteps.length)));
  }
}
