package dev.lemica.model.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
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

/** fp32 CPU output and every block activation equal the reference within 1e-5 relative L2. */
class WanGoldenTest {
  static final double TOLERANCE = 1e-5;

  static Stream<String> goldenFolders() {
    return Stream.of("wan", "wan-variant", "wan-patch-t2")
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
      Map<Integer, Tensor> activations = new TreeMap<>();
      Tensor out =
          model.forward(
              Golden.inputs(io), call -> call.runBlocks((i, h) -> activations.put(i, h.clone())));

      int blocks = 0;
      for (String name : io.names()) {
        if (name.startsWith("act.blocks.")) {
          int index = Integer.parseInt(name.substring("act.blocks.".length()));
          double err = Tensors.relativeL2(activations.get(index), io.tensor(name));
          assertTrue(err < TOLERANCE, folder + " " + name + " relative L2 " + err);
          blocks++;
        }
      }
      assertEquals(model.blockCount(), blocks, "golden holds one activation per block");
      double err = Tensors.relativeL2(out, io.tensor("out.sample"));
      assertTrue(err < TOLERANCE, folder + " out.sample relative L2 " + err);
    }
  }
}
