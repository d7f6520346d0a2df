package dev.lemica.model.mmdit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FLUX.1 and Qwen-Image, fp32 CPU: the output and every block's outputs (both streams; FLUX's
 * single blocks too) equal diffusers' within 1e-5 relative L2, and so do the configurations the
 * float64 NumPy reference made (other rope axes, batch 2, non-square grids, a padded text mask).
 */
class MmditGoldenTest {
  static final double TOLERANCE = 1e-5;

  static Stream<String> goldenFolders() {
    return Stream.of("flux", "qwenimage", "flux-variant", "qwenimage-variant")
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
      ForwardInputs inputs = new ForwardInputs(Golden.inTensors(io), StrictJson.readObject(dir.resolve("meta.json")));
      Map<String, Tensor> activations = new TreeMap<>();
      Tensor out = model.forward(inputs, call -> call.runBlocks(Golden.recorder(activations)));
      Map<String, Double> errors = Golden.assertMatches(io, activations, out, TOLERANCE, folder);
      System.out.println(folder + " relative L2: " + errors);
      assertEquals(2 * model.blockCount(), activations.size(), "two streams per block");
    }
  }

  /** Batch 2 with different timesteps, texts (Qwen-Image: a padded mask) equals two batch-1 runs. */
  @ParameterizedTest
  @MethodSource("batchTwoFolders")
  void aBatchOfTwoIsTwoSingleRuns(String folder) {
    Path dir = Golden.dir(folder);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      Map<String, Tensor> in = Golden.inTensors(io);
      var meta = StrictJson.readObject(dir.resolve("meta.json"));
      Tensor both = model.forward(new ForwardInputs(in, meta));
      assertEquals(2, both.size(0));
      for (int b = 0; b < 2; b++) {
        Map<String, Tensor> one = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
          boolean perSample = !e.getKey().endsWith("_ids");
          one.put(e.getKey(), perSample ? e.getValue().narrow(0, b, 1) : e.getValue());
        }
        Tensor single = model.forward(new ForwardInputs(one, meta));
        double err = dev.lemica.torch.Tensors.relativeL2(single, both.narrow(0, b, 1));
        org.junit.jupiter.api.Assertions.assertTrue(err < 1e-6, folder + " sample " + b + ": " + err);
      }
    }
  }

  static Stream<String> batchTwoFolders() {
    return Stream.of("flux-variant", "qwenimage-variant");
  }
}
