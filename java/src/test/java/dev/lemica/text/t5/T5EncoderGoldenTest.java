package dev.lemica.text.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The umt5 and t5 goldens (Wan2.1's own T5 run verbatim with HF-named weights), fp32 CPU. */
class T5EncoderGoldenTest {
  private static final double TOLERANCE = 1e-5;

  @ParameterizedTest
  @ValueSource(strings = {"umt5", "t5"})
  void everyBlockAndTheOutputMatch(String name) {
    Path golden = Golden.dir(name);
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        T5Encoder encoder = T5Encoder.load(golden, ComputeTarget.CPU_FLOAT32)) {
      assertEquals(name, encoder.config().modelType());
      Map<Integer, Tensor> blocks = new HashMap<>();
      Tensor out = encoder.lastHiddenState(
          io.tensor("in.input_ids"), io.tensor("in.attention_mask"), (i, t) -> blocks.put(i, t));
      assertEquals(3, blocks.size());
      for (int i = 0; i < 3; i++) {
        double err = Tensors.relativeL2(blocks.get(i), io.tensor("act.encoder.block." + i));
        System.out.printf("%s act.encoder.block.%d rel L2 %.2e%n", name, i, err);
        assertTrue(err < TOLERANCE, name + " block " + i + ": " + err);
      }
      double err = Tensors.relativeL2(out, io.tensor("out.last_hidden_state"));
      System.out.printf("%s out.last_hidden_state rel L2 %.2e%n", name, err);
      assertTrue(err < TOLERANCE, name + " last_hidden_state: " + err);
      if (name.equals("t5")) {
        Tensor unmasked = encoder.lastHiddenState(io.tensor("in.input_ids"), null);
        double e = Tensors.relativeL2(unmasked, io.tensor("out.last_hidden_state_nomask"));
        System.out.printf("t5 out.last_hidden_state_nomask rel L2 %.2e%n", e);
        assertTrue(e < TOLERANCE, "t5 last_hidden_state_nomask: " + e);
      }
    }
  }
}
