package dev.lemica.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.ShortPointer;
import org.junit.jupiter.api.Test;

/** The raw C API through JavaCPP: results on plain buffers, return codes, error messages. */
class LemicaNativeTest {

  @Test
  void storeAndApplyOnRawBuffersWithPoisonedOutputs() {
    try (PointerScope scope = new PointerScope()) {
      int n = 37; // not a multiple of any vector width
      float[] x = new float[n];
      float[] y = new float[n];
      java.util.Random random = new java.util.Random();
      for (int i = 0; i < n; i++) {
        x[i] = (float) random.nextGaussian();
        y[i] = (float) random.nextGaussian();
      }
      FloatPointer after = new FloatPointer(x);
      FloatPointer before = new FloatPointer(y);
      FloatPointer out = new FloatPointer(n);
      float[] nan = new float[n];
      java.util.Arrays.fill(nan, Float.NaN);
      out.put(nan);
      assertEquals(
          LemicaNative.OK,
          LemicaNative.lemica_residual_store(out, after, before, n, 0, 0, null));
      for (int i = 0; i < n; i++) {
        assertEquals(x[i] - y[i], out.get(i), "element " + i);
      }
      out.put(nan);
      assertEquals(
          LemicaNative.OK,
          LemicaNative.lemica_residual_apply(out, before, after, n, 0, 0, null));
      for (int i = 0; i < n; i++) {
        assertEquals(y[i] + x[i], out.get(i), "element " + i);
      }
      FloatPointer mae = new FloatPointer(1).put(Float.NaN);
      assertEquals(
          LemicaNative.OK, LemicaNative.lemica_mean_abs_error(mae, after, before, 1, n, 0, 0, null));
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += Math.abs((double) x[i] - y[i]);
      }
      assertEquals(sum / n, mae.get(0), 1e-6 * sum / n);
    }
  }

  @Test
  void bfloat16TieRoundsToEven() {
    try (PointerScope scope = new PointerScope()) {
      ShortPointer x = new ShortPointer(new short[] {0x3F80}); // 1.0
      ShortPointer y = new ShortPointer(new short[] {0x3B80}); // 2^-8
      ShortPointer z = new ShortPointer(1);
      assertEquals(LemicaNative.OK, LemicaNative.lemica_residual_apply(z, x, y, 1, 1, 0, null));
      assertEquals(0x3F80, z.get(0) & 0xFFFF);
    }
  }

  @Test
  void errorCodesAndMessages() {
    try (PointerScope scope = new PointerScope()) {
      FloatPointer p = new FloatPointer(4);
      assertEquals(
          LemicaNative.ERR_UNSUPPORTED_DTYPE,
          LemicaNative.lemica_residual_store(p, p, p, 4, 9, 0, null));
      assertTrue(LemicaNative.lemica_last_error().getString().contains("unsupported dtype code 9"));
      assertEquals(
          LemicaNative.ERR_UNSUPPORTED_DEVICE,
          LemicaNative.lemica_residual_apply(p, p, p, 4, 0, 7, null));
      assertTrue(LemicaNative.lemica_last_error().getString().contains("device code 7"));
      assertEquals(
          LemicaNative.ERR_INVALID_ARGUMENT,
          LemicaNative.lemica_residual_apply(p, p, p, -1, 0, 0, null));
      assertEquals(
          LemicaNative.ERR_INVALID_ARGUMENT,
          LemicaNative.lemica_residual_apply(null, p, p, 4, 0, 0, null));
      assertEquals(
          LemicaNative.ERR_INVALID_ARGUMENT,
          LemicaNative.lemica_mean_abs_error(p, p, p, -1, 4, 0, 0, null));
      assertEquals(
          LemicaNative.ERR_INVALID_ARGUMENT,
          LemicaNative.lemica_modulate(p, p, p, p, 1, 2, 2, 3, 1e-6f, 0, 0, null));
      assertTrue(LemicaNative.lemica_last_error().getString().contains("expected 1 or 2"));
      // Nothing to do is fine, even with null buffers.
      assertEquals(LemicaNative.OK, LemicaNative.lemica_residual_store(null, null, null, 0, 0, 0, null));
    }
  }

  @Test
  void cudaPathFailsCleanlyWithoutAGpu() {
    try (PointerScope scope = new PointerScope()) {
      FloatPointer p = new FloatPointer(4);
      // Host memory is never a CUDA device buffer: refused with or without a GPU, never a crash.
      int rc = LemicaNative.lemica_residual_store(p, p, p, 4, 0, LemicaNative.DEVICE_CUDA, null);
      String message = LemicaNative.lemica_last_error().getString();
      if (LemicaNative.lemica_cuda_compiled() != 0) {
        assertTrue(
            rc == LemicaNative.ERR_CUDA || rc == LemicaNative.ERR_INVALID_ARGUMENT,
            rc + ": " + message);
      } else {
        assertEquals(LemicaNative.ERR_CUDA_NOT_COMPILED, rc, message);
        assertTrue(message.contains("without CUDA"), message);
      }
      assertTrue(message.startsWith("lemica_residual_store"), message);
    }
  }
}
