package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** diffusers' get_timestep_embedding, each argument against the closed form. */
class TimestepsTest {
  private static float[] features(Timesteps t, float... timesteps) {
    try (PointerScope scope = new PointerScope()) {
      Tensor in = Tensors.fromFloats(timesteps, timesteps.length);
      Tensor out = t.apply(in);
      assertArrayEquals(new long[] {timesteps.length, t.channels()}, Tensors.shape(out));
      return Tensors.toFloats(out);
    }
  }

  /** [sin, cos] (or [cos, sin]) of scale·t·exp(−ln(P)·j/(half − shift)). */
  private static void assertClosedForm(Timesteps t, float timestep, float[] got) {
    int half = t.channels() / 2;
    for (int j = 0; j < half; j++) {
      double arg = t.scale() * timestep * Math.exp(-Math.log(t.maxPeriod()) * j / (half - t.downscaleFreqShift()));
      double first = t.flipSinToCos() ? Math.cos(arg) : Math.sin(arg);
      double second = t.flipSinToCos() ? Math.sin(arg) : Math.cos(arg);
      // float32 arguments near 1000 carry ~6e-5 of rounding, which cos/sin pass on.
      assertEquals(first, got[j], 2e-4, "feature " + j);
      assertEquals(second, got[half + j], 2e-4, "feature " + (half + j));
    }
  }

  @Test
  void wanAndFluxForm() {
    Timesteps t = new Timesteps(16, true, 0, 1);
    float[] got = features(t, 999f, 0.5f);
    float[] first = java.util.Arrays.copyOf(got, 16);
    assertClosedForm(t, 999f, first);
    assertClosedForm(t, 0.5f, java.util.Arrays.copyOfRange(got, 16, 32));
  }

  @Test
  void qwenImageScalesInsideTheSinusoid() {
    Timesteps t = new Timesteps(8, true, 0, 1000);
    assertClosedForm(t, 0.6f, features(t, 0.6f));
  }

  @Test
  void defaultDiffusersFormIsSinFirstWithShiftOne() {
    Timesteps t = new Timesteps(10, false, 1, 1, 100);
    assertClosedForm(t, 37f, features(t, 37f));
  }

  @Test
  void oddWidthsGetAZeroColumn() {
    Timesteps t = new Timesteps(7, true, 0, 1);
    float[] got = features(t, 3f);
    assertClosedForm(t, 3f, got);
    assertEquals(0f, got[6]);
  }
}
