package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
        assertEquals(scales.get(i).item_double(), g.scaleAt(timesteps[i]), 0.0, "step " + i);
      }
    }
  }

  @Test
  void staysInOneToOnePlusG() {
    DynamicGuidance g = new DynamicGuidance(6.0, 50);
    for (int t = 999; t >= 0; t -= 20) {
      double s = g.scaleAt(t);
      assertTrue(s >= 1 && s <= 7, t + " -> " + s);
    }
    assertEquals(1.0, g.scaleAt(50), 0.0); // (N - t)/N = 0: no guidance beyond the cond branch
    assertThrows(IllegalArgumentException.class, () -> new DynamicGuidance(Double.NaN, 8));
  }

  /** The plain CFG rule at the step's scale; as diffusers, the base scale decides whether CFG runs. */
  @Test
  void combinesAtTheTimestepsScale() {
    try (PointerScope scope = new PointerScope()) {
      DynamicGuidance g = new DynamicGuidance(6.0, 8);
      Tensor u = Tensors.fromFloats(new float[] {1, 2, 3, -4}, 2, 2);
      Tensor c = Tensors.fromFloats(new float[] {0.5f, 2, 5, 4}, 2, 2);
      double s = g.scaleAt(874);
      assertTrue(s > 1 && s < 7, "the scale at 874 is neither end: " + s);
      float[] got = Tensors.toFloats(g.combine(u, c, 1, 874));
      float[] uu = {1, 2, 3, -4};
      float[] cc = {0.5f, 2, 5, 4};
      for (int i = 0; i < 4; i++) {
        assertEquals(uu[i] + s * (cc[i] - uu[i]), got[i], 1e-5, "element " + i);
      }
      assertNotEquals(Tensors.toFloats(g.combine(u, c, 1, 874))[0], Tensors.toFloats(g.combine(u, c, 1, 999))[0], "the step's timestep sets the scale");
      assertTrue(g.guided());
      assertFalse(new DynamicGuidance(1.0, 8).guided(), "guidance_scale 1: cond branch only, as CogVideoXPipeline");
      assertEquals("dynamic cfg 6.0", g.describe());
    }
  }
}
