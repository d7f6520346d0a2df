package dev.lemica.kernels;

import static dev.lemica.kernels.KernelTesting.DTYPES;
import static dev.lemica.kernels.KernelTesting.SHAPES;
import static dev.lemica.kernels.KernelTesting.assertSameValues;
import static dev.lemica.kernels.KernelTesting.assertWithinUlps;
import static dev.lemica.kernels.KernelTesting.describe;
import static dev.lemica.kernels.KernelTesting.exactMeanAbsError;
import static dev.lemica.kernels.KernelTesting.freshSeed;
import static dev.lemica.kernels.KernelTesting.maxRelativeError;
import static dev.lemica.kernels.KernelTesting.poisoned;
import static dev.lemica.kernels.KernelTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.nn.Norms;
import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** The CPU kernels against the LibTorch expressions they replace. */
class NativeKernelsTest {

  @Test
  void libraryLoads() {
    assertTrue(NativeKernels.isAvailable(), "liblemica_kernels loads");
    assertEquals("0.1.0", NativeKernels.version());
    NativeKernels.cudaCompiled(); // either answer is fine; it must not throw
  }

  @Test
  void residualStoreEqualsSub() {
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : SHAPES) {
        try (PointerScope scope = new PointerScope()) {
          long seed = freshSeed();
          Tensor after = random(shape, dtype);
          Tensor before = random(shape, dtype);
          Tensor expected = after.sub(before);
          String what = "store " + describe(shape, dtype, seed);
          assertSameValues(expected, NativeKernels.residualStore(after, before), what);
          Tensor out = poisoned(shape, dtype);
          assertSame(out, NativeKernels.residualStoreInto(out, after, before));
          assertSameValues(expected, out, what + " (into a NaN-filled buffer)");
        }
      }
    }
  }

  @Test
  void residualApplyEqualsAdd() {
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : SHAPES) {
        try (PointerScope scope = new PointerScope()) {
          long seed = freshSeed();
          Tensor before = random(shape, dtype);
          Tensor residual = random(shape, dtype);
          Tensor expected = before.add(residual);
          String what = "apply " + describe(shape, dtype, seed);
          assertSameValues(expected, NativeKernels.residualApply(before, residual), what);
          Tensor out = poisoned(shape, dtype);
          NativeKernels.residualApplyInto(out, before, residual);
          assertSameValues(expected, out, what + " (into a NaN-filled buffer)");
        }
      }
    }
  }

  @Test
  void largeTensorsSplitAcrossThreadsStillMatch() {
    // 1 × 311 × 1031 above is already past one thread's chunk; this is past several.
    long[] shape = {1, 1000, 1003};
    for (ScalarType dtype : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      try (PointerScope scope = new PointerScope()) {
        long seed = freshSeed();
        Tensor after = random(shape, dtype);
        Tensor before = random(shape, dtype);
        Tensor residual = NativeKernels.residualStore(after, before);
        assertSameValues(after.sub(before), residual, "store " + describe(shape, dtype, seed));
        assertSameValues(
            before.add(residual),
            NativeKernels.residualApply(before, residual),
            "apply " + describe(shape, dtype, seed));
      }
    }
  }

  @Test
  void everyCpuInstructionSetGivesTheSameResults() {
    int best = LemicaNative.lemica_set_cpu_isa(-1);
    try {
      for (int level = LemicaNative.CPU_ISA_BASELINE; level <= best; level++) {
        assertEquals(level, LemicaNative.lemica_set_cpu_isa(level));
        for (ScalarType dtype : DTYPES) {
          try (PointerScope scope = new PointerScope()) {
            long seed = freshSeed();
            long[] shape = {3, 41, 1543};
            String what = "isa " + level + " " + describe(shape, dtype, seed);
            Tensor after = random(shape, dtype);
            Tensor before = random(shape, dtype);
            assertSameValues(after.sub(before), NativeKernels.residualStore(after, before), what);
            assertSameValues(before.add(after), NativeKernels.residualApply(before, after), what);
            float[] mae = Tensors.toFloats(NativeKernels.meanAbsError(after, before));
            assertTrue(maxRelativeError(mae, exactMeanAbsError(after, before)) < 2e-6, what);
            Tensor shift = torch.randn(3, 1, 1543);
            Tensor x = NativeKernels.modulate(after, shift, shift, 1e-6);
            LemicaNative.lemica_set_cpu_isa(LemicaNative.CPU_ISA_BASELINE);
            assertSameValues(NativeKernels.modulate(after, shift, shift, 1e-6), x, what + " modulate");
            LemicaNative.lemica_set_cpu_isa(level);
          }
        }
      }
    } finally {
      LemicaNative.lemica_set_cpu_isa(-1);
    }
  }

  @Test
  void concurrentCallersAndMoreThreadsThanCores() throws Exception {
    int previous = LemicaNative.lemica_set_num_threads(7);
    try {
      java.util.concurrent.ExecutorService callers =
          java.util.concurrent.Executors.newFixedThreadPool(3);
      java.util.List<java.util.concurrent.Future<?>> results = new java.util.ArrayList<>();
      for (int task = 0; task < 3; task++) {
        results.add(
            callers.submit(
                () -> {
                  for (int round = 0; round < 8; round++) {
                    try (PointerScope scope = new PointerScope()) {
                      long[] shape = {3, 301, 1009};
                      Tensor after = random(shape, ScalarType.BFloat16);
                      Tensor before = random(shape, ScalarType.BFloat16);
                      assertSameValues(
                          after.sub(before), NativeKernels.residualStore(after, before), "round " + round);
                      float[] mae = Tensors.toFloats(NativeKernels.meanAbsError(after, before));
                      assertTrue(maxRelativeError(mae, exactMeanAbsError(after, before)) < 2e-6);
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> r : results) {
        r.get();
      }
      callers.shutdown();
    } finally {
      LemicaNative.lemica_set_num_threads(previous);
    }
  }

  @Test
  void storeThenApplyRoundTripsInFloat32() {
    try (PointerScope scope = new PointerScope()) {
      long seed = freshSeed();
      long[] shape = {3, 17, 31};
      Tensor before = random(shape, ScalarType.Float);
      Tensor after = random(shape, ScalarType.Float);
      Tensor rebuilt =
          NativeKernels.residualApply(before, NativeKernels.residualStore(after, before));
      assertTrue(Tensors.relativeL2(rebuilt, after) < 1e-6, "seed " + seed);
    }
  }

  @Test
  void inPlaceApplyAndStore() {
    for (ScalarType dtype : DTYPES) {
      try (PointerScope scope = new PointerScope()) {
        long seed = freshSeed();
        long[] shape = {3, 11, 9};
        Tensor before = random(shape, dtype);
        Tensor residual = random(shape, dtype);
        Tensor expected = before.add(residual);
        Tensor buffer = before.clone();
        assertSame(buffer, NativeKernels.residualApplyInto(buffer, buffer, residual));
        assertSameValues(expected, buffer, "in-place apply " + describe(shape, dtype, seed));
        Tensor after = random(shape, dtype);
        Tensor expectedResidual = after.sub(before);
        Tensor b2 = after.clone();
        NativeKernels.residualStoreInto(b2, b2, before);
        assertSameValues(expectedResidual, b2, "in-place store " + describe(shape, dtype, seed));
      }
    }
  }

  @Test
  void bfloat16RoundsToNearestEvenLikeLibTorch() {
    try (PointerScope scope = new PointerScope()) {
      // 1 + 2^-8 lies halfway between bf16 1.0 and 1.0078125: even (1.0) wins; 1.0078125 + 2^-8
      // lies halfway between 1.0078125 and 1.015625: even (1.015625) wins.
      Tensor before = Tensors.fromFloats(new float[] {1f, 1.0078125f, -1f, 3e38f}, 4)
          .to(ScalarType.BFloat16);
      Tensor residual = Tensors.fromFloats(new float[] {0.00390625f, 0.00390625f, -0.00390625f, 3e38f}, 4)
          .to(ScalarType.BFloat16);
      Tensor ours = NativeKernels.residualApply(before, residual);
      assertSameValues(before.add(residual), ours, "ties and overflow");
      float[] v = Tensors.toFloats(ours);
      assertEquals(1f, v[0]);
      assertEquals(1.015625f, v[1]);
      assertEquals(-1f, v[2]);
      assertEquals(Float.POSITIVE_INFINITY, v[3]);
    }
  }

  @Test
  void meanAbsErrorPerSample() {
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : SHAPES) {
        try (PointerScope scope = new PointerScope()) {
          long seed = freshSeed();
          Tensor a = random(shape, dtype);
          Tensor b = random(shape, dtype);
          String what = "meanAbsError " + describe(shape, dtype, seed);
          double[] exact = exactMeanAbsError(a, b);
          Tensor ours = NativeKernels.meanAbsError(a, b);
          assertEquals(ScalarType.Float.value, ours.scalar_type().value, what);
          assertEquals(1, ours.dim(), what);
          assertEquals(shape[0], ours.size(0), what);
          float[] got = Tensors.toFloats(ours);
          assertTrue(maxRelativeError(got, exact) < 2e-6, what + ": " + maxRelativeError(got, exact));
          Tensor out = poisoned(new long[] {shape[0]}, ScalarType.Float);
          NativeKernels.meanAbsErrorInto(out, a, b);
          assertTrue(
              maxRelativeError(Tensors.toFloats(out), exact) < 2e-6, what + " (into a NaN buffer)");
          if (dtype.value == ScalarType.Float.value) {
            // The LibTorch expression it replaces.
            Tensor torchMae = a.sub(b).abs().flatten(1, -1).mean(1);
            assertTrue(Tensors.relativeL2(ours, torchMae) < 1e-5, what + " vs LibTorch");
          }
        }
      }
    }
  }

  @Test
  void meanAbsErrorOfBigSamplesUsesFloatAccumulationWell() {
    // 3 samples of 2^20 + 5 elements: many blocks per sample; bf16 inputs, float32 sums.
    for (ScalarType dtype : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
      try (PointerScope scope = new PointerScope()) {
        long seed = freshSeed();
        long[] shape = {3, 1025, 1023 + 5};
        Tensor a = random(shape, dtype);
        Tensor b = random(shape, dtype);
        double[] exact = exactMeanAbsError(a, b);
        float[] got = Tensors.toFloats(NativeKernels.meanAbsError(a, b));
        double err = maxRelativeError(got, exact);
        assertTrue(err < 2e-6, describe(shape, dtype, seed) + ": " + err);
      }
    }
  }

  @Test
  void meanAbsErrorEdgeCases() {
    try (PointerScope scope = new PointerScope()) {
      // Identical inputs: exactly zero.
      Tensor a = random(new long[] {3, 8, 9}, ScalarType.BFloat16);
      float[] zero = Tensors.toFloats(NativeKernels.meanAbsError(a, a.clone()));
      assertEquals(0f, zero[0]);
      assertEquals(0f, zero[2]);
      // Empty samples: NaN like LibTorch's mean of nothing; empty batch: empty result.
      Tensor empty = Tensors.empty(new long[] {2, 0}, ScalarType.Float);
      float[] nan = Tensors.toFloats(NativeKernels.meanAbsError(empty, empty));
      assertTrue(Float.isNaN(nan[0]) && Float.isNaN(nan[1]));
      Tensor none = Tensors.empty(new long[] {0, 5}, ScalarType.Float);
      assertEquals(0, NativeKernels.meanAbsError(none, none).numel());
      // A 1-d tensor is a batch of one-element samples.
      Tensor x = Tensors.fromFloats(new float[] {1, -2, 3}, 3);
      Tensor y = Tensors.fromFloats(new float[] {0, 0, 5}, 3);
      assertSameValues(
          Tensors.fromFloats(new float[] {1, 2, 2}, 3), NativeKernels.meanAbsError(x, y), "1-d");
    }
  }

  @Test
  void modulateMatchesLayerNormAddcmul() {
    double eps = 1e-6;
    long[][] shapes = {{1, 1, 1}, {1, 7, 33}, {3, 5, 129}, {3, 31, 1536}, {2, 4, 5000}};
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : shapes) {
        for (boolean perToken : new boolean[] {false, true}) {
          try (PointerScope scope = new PointerScope()) {
            long seed = freshSeed();
            Tensor x = random(shape, dtype).add(new Scalar(0.5));
            long[] modShape = {shape[0], perToken ? shape[1] : 1, shape[2]};
            Tensor shift = torch.randn(modShape);
            Tensor scale = torch.randn(modShape).mul(new Scalar(0.1));
            // The expression in WanBlock.modulate.
            Tensor expected =
                torch.addcmul(
                        shift,
                        Norms.layerNorm(x.to(ScalarType.Float), null, null, eps),
                        scale.add(new Scalar(1.0)))
                    .to(dtype);
            Tensor ours = NativeKernels.modulate(x, shift, scale, eps);
            String what =
                "modulate " + describe(shape, dtype, seed) + (perToken ? " per token" : "");
            if (dtype.value == ScalarType.Float.value) {
              assertTrue(
                  Tensors.relativeL2(ours, expected) < 1e-6,
                  what + ": " + Tensors.relativeL2(ours, expected));
              // Sums of O(1) terms cancel to small results: an absolute bound at float32 precision.
              KernelTesting.assertClose(expected, ours, 4e-6, 1e-6, what);
            } else {
              // Float32 results a few float ulps apart may round to neighbouring 16-bit values.
              assertWithinUlps(expected, ours, 1, what);
            }
          }
        }
      }
    }
  }

  @Test
  void badInputsAreClearErrors() {
    try (PointerScope scope = new PointerScope()) {
      Tensor a = random(new long[] {2, 3, 4}, ScalarType.Float);
      Tensor b = random(new long[] {2, 3, 5}, ScalarType.Float);
      assertMessage("differ in shape", () -> NativeKernels.residualStore(a, b));
      assertMessage("differ in shape", () -> NativeKernels.residualApply(a, b));
      assertMessage("differ in shape", () -> NativeKernels.meanAbsError(a, b));

      Tensor bf = a.to(ScalarType.BFloat16);
      assertMessage("BFloat16", () -> NativeKernels.residualStore(a, bf));
      assertMessage("BFloat16", () -> NativeKernels.residualApplyInto(bf, a, a));

      Tensor transposed = random(new long[] {2, 4, 3}, ScalarType.Float).transpose(1, 2);
      assertMessage("not contiguous", () -> NativeKernels.residualStore(a, transposed));
      assertMessage("not contiguous", () -> NativeKernels.residualApply(transposed, a));
      assertMessage("not contiguous", () -> NativeKernels.meanAbsError(transposed, a));

      Tensor dbl = a.to(ScalarType.Double);
      assertMessage("float32, bfloat16 and float16", () -> NativeKernels.residualStore(dbl, dbl));
      Tensor ints = a.to(ScalarType.Long);
      assertMessage("float32, bfloat16 and float16", () -> NativeKernels.meanAbsError(ints, ints));

      assertMessage("null or undefined", () -> NativeKernels.residualStore(a, null));
      assertMessage("null or undefined", () -> NativeKernels.residualApply(new Tensor(), a));

      Tensor scalar = Tensors.fromFloats(new float[] {1}).reshape(new long[0]);
      assertMessage("batch dimension", () -> NativeKernels.meanAbsError(scalar, scalar));
      assertMessage(
          "float32 with 2 elements",
          () -> NativeKernels.meanAbsErrorInto(Tensors.empty(new long[] {3}, ScalarType.Float), a, a));

      // Shifted views of one buffer: in place is allowed, partial overlap is not.
      Tensor buffer = random(new long[] {10}, ScalarType.Float);
      Tensor head = buffer.narrow(0, 0, 8);
      Tensor tail = buffer.narrow(0, 2, 8);
      Tensor other = random(new long[] {8}, ScalarType.Float);
      assertMessage("partly overlaps", () -> NativeKernels.residualApplyInto(tail, head, other));
      NativeKernels.residualApplyInto(head, head, other);

      Tensor x = random(new long[] {2, 3, 4}, ScalarType.Float);
      Tensor mod = torch.randn(2, 1, 4);
      assertMessage("must be float32", () -> NativeKernels.modulate(x, mod.to(ScalarType.BFloat16), mod, 1e-6));
      assertMessage("must be (2, 1 or 3, 4)", () -> NativeKernels.modulate(x, torch.randn(2, 2, 4), mod, 1e-6));
      assertMessage("(batch, tokens, dim)", () -> NativeKernels.modulate(x.flatten(), mod, mod, 1e-6));
      assertMessage("differ in shape", () -> NativeKernels.modulate(x, torch.randn(2, 3, 4), mod, 1e-6));
    }
  }

  private static void assertMessage(String fragment, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(
        e.getMessage().contains(fragment), "message '" + e.getMessage() + "' mentions " + fragment);
    assertFalse(e.getMessage().isBlank());
  }
}
