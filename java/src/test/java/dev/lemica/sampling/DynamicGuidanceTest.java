package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class DynamicGuidanceTest {
  /** CogVideoXPipeline's per-step scales (float64) of the golden run, bit for bit. */
  @Test
  void equalsThePipelinesScalesExactly() {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("cogvideox15_cached_steps").resolve("io.safetensors"))) {
      long[] timesteps = Tensors.toLongs(io.tensor("out.timesteps"));
      Tensor scales = io.tensor("out.guidance_scale");
      DynamicGuidance g = new DynamicGuidance(6.0, timesteps.length);
      for (int i = 0; i < timesteps.length; i++) {
        assertEquals(scales.get(i).item_double(), g.at(i, timesteps[i]), 0.0, "step " + i);
      }
    }
  }

  @Test
  void staysInOneToOnePlusG() {
    DynamicGuidance g = new DynamicGuidance(6.0, 50);
    for (int t = 999; t >= 0; t -= 20) {
      double s = g.at(0, t);
      assertTrue(s >= 1 && s <= 7, t + " -> " + s);
    }
    assertEquals(1.0, g.at(0, 50), 0.0); // (N - t)/N = 0: no guidance beyond the cond branch
    assertThrows(IllegalArgumentException.class, () -> new DynamicGuidance(Double.NaN, 8));
  }
}
