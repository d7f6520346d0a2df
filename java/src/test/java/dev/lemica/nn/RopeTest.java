package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** The three rotary forms against an explicit rotation of each pair, and the angles against their formula. */
class RopeTest {
  private static final int[] AXES = {4, 6, 6};

  /** (tokens, 3) positions, some negative and fractional. */
  private static Tensor positions(int tokens) {
    float[] p = new float[tokens * 3];
    for (int t = 0; t < tokens; t++) {
      p[3 * t] = t % 3;
      p[3 * t + 1] = t - 2.5f;
      p[3 * t + 2] = 7 * t;
    }
    return Tensors.fromFloats(p, tokens, 3);
  }

  @Test
  void anglesFollowTheirFormulaPerAxis() {
    try (PointerScope scope = new PointerScope()) {
      int tokens = 5;
      Tensor angles = RotaryAngles.of(AXES, 10000.0, positions(tokens), ScalarType.Double);
      assertArrayEquals(new long[] {tokens, 8}, Tensors.shape(angles));
      float[] got = Tensors.toFloats(angles);
      float[] pos = Tensors.toFloats(positions(tokens));
      int pair = 0;
      for (int axis = 0; axis < 3; axis++) {
        for (int k = 0; k < AXES[axis] / 2; k++, pair++) {
          for (int t = 0; t < tokens; t++) {
            double expected = pos[3 * t + axis] * Math.pow(10000.0, -2.0 * k / AXES[axis]);
            assertEquals(expected, got[t * 8 + pair], 1e-5 * Math.max(1, Math.abs(expected)));
          }
        }
      }
    }
  }

  @Test
  void float32AnglesRoundLikeFloat32Arithmetic() {
    try (PointerScope scope = new PointerScope()) {
      Tensor pos = Tensors.fromFloats(new float[] {0, 1000, -1000}, 1, 3);
      float[] f32 = Tensors.toFloats(RotaryAngles.of(AXES, 10000.0, pos, ScalarType.Float));
      float[] f64 = Tensors.toFloats(RotaryAngles.of(AXES, 10000.0, pos, ScalarType.Double));
      for (int i = 0; i < f32.length; i++) {
        assertEquals(f64[i], f32[i], Math.ulp(f64[i]) * 4, "pair " + i);
      }
    }
  }

  @Test
  void everyFormRotatesItsPairsByTheAngle() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      int tokens = 5;
      int heads = 3;
      int headDim = 16;
      Tensor angles = RotaryAngles.of(AXES, 10000.0, positions(tokens), ScalarType.Double);
      Tensor x = torch.randn(2, tokens, heads, headDim);
      float[] xs = Tensors.toFloats(x);
      float[] a = Tensors.toFloats(angles);

      // Reference: pair (i, j) of token t turned by angle k.
      float[] interleaved = new float[xs.length];
      float[] halves = new float[xs.length];
      for (int b = 0; b < 2; b++) {
        for (int t = 0; t < tokens; t++) {
          for (int h = 0; h < heads; h++) {
            int base = ((b * tokens + t) * heads + h) * headDim;
            for (int k = 0; k < headDim / 2; k++) {
              double c = Math.cos(a[t * 8 + k]);
              double s = Math.sin(a[t * 8 + k]);
              turn(xs, interleaved, base + 2 * k, base + 2 * k + 1, c, s);
              turn(xs, halves, base + k, base + k + headDim / 2, c, s);
            }
          }
        }
      }
      Tensor[] cosSin = RotaryAngles.cosSinInterleaved(angles);
      Tensor[] cosSinHalves = RotaryAngles.cosSinHalves(angles);
      Tensor complex = RotaryAngles.complex(angles).unsqueeze(1);
      assertClose(interleaved, Rope.complex(x, complex), "complex");
      assertClose(interleaved, Rope.realInterleaved(x, cosSin[0].unsqueeze(1), cosSin[1].unsqueeze(1)), "real interleaved");
      assertClose(halves, Rope.realHalves(x, cosSinHalves[0].unsqueeze(1), cosSinHalves[1].unsqueeze(1)), "real halves");

      Tensor bf16 = x.to(ScalarType.BFloat16);
      assertEquals(ScalarType.BFloat16.value, Rope.complex(bf16, complex).scalar_type().value, "rotated in float32, returned in x's dtype");
    }
  }

  private static void turn(float[] x, float[] out, int i, int j, double c, double s) {
    out[i] = (float) (x[i] * c - x[j] * s);
    out[j] = (float) (x[i] * s + x[j] * c);
  }

  private static void assertClose(float[] expected, Tensor got, String what) {
    float[] g = Tensors.toFloats(got);
    for (int i = 0; i < g.length; i++) {
      assertEquals(expected[i], g[i], 1e-5, what + " at " + i);
    }
  }

  @Test
  void refusesOddAxisWidths() {
    try (PointerScope scope = new PointerScope()) {
      Exception e = assertThrows(IllegalArgumentException.class, () -> RotaryAngles.of(new int[] {3, 6, 6}, 1e4, positions(2), ScalarType.Double));
      assertTrue(e.getMessage().contains("even"), e.getMessage());
    }
  }
}
