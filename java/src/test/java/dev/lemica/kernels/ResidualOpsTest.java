package dev.lemica.kernels;

import static dev.lemica.kernels.KernelTesting.DTYPES;
import static dev.lemica.kernels.KernelTesting.SHAPES;
import static dev.lemica.kernels.KernelTesting.assertSameValues;
import static dev.lemica.kernels.KernelTesting.describe;
import static dev.lemica.kernels.KernelTesting.freshSeed;
import static dev.lemica.kernels.KernelTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class ResidualOpsTest {

  @Test
  void nativeAndTorchAgree() {
    ResidualOps torchOps = ResidualOps.torch();
    NativeResidualOps nativeOps = new NativeResidualOps(true);
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : SHAPES) {
        try (PointerScope scope = new PointerScope()) {
          long seed = freshSeed();
          Tensor before = random(shape, dtype);
          Tensor after = random(shape, dtype);
          String what = describe(shape, dtype, seed);
          Tensor residual = nativeOps.store(after, before);
          assertSameValues(torchOps.store(after, before), residual, "store " + what);
          assertSameValues(
              torchOps.apply(before, residual), nativeOps.apply(before, residual), "apply " + what);
          Tensor buffer = KernelTesting.poisoned(shape, dtype);
          assertSameValues(residual, nativeOps.storeInto(buffer, after, before), "storeInto " + what);
          Tensor torchBuffer = KernelTesting.poisoned(shape, dtype);
          assertSameValues(residual, torchOps.storeInto(torchBuffer, after, before), "torch storeInto " + what);
        }
      }
    }
    assertEquals(0, nativeOps.fallbackCalls());
    assertEquals(3L * DTYPES.length * SHAPES.length, nativeOps.nativeCalls());
  }

  @Test
  void viewsFallBackToTorchOrAreRefused() {
    try (PointerScope scope = new PointerScope()) {
      long seed = freshSeed();
      // The hidden states of a patch embedding are a transposed view, as in WanTransformer.
      Tensor before = random(new long[] {2, 8, 6}, ScalarType.Float).transpose(1, 2);
      Tensor residual = random(new long[] {2, 6, 8}, ScalarType.Float);
      NativeResidualOps lenient = new NativeResidualOps(true);
      assertSameValues(
          before.add(residual), lenient.apply(before, residual), "fallback, seed " + seed);
      assertEquals(1, lenient.fallbackCalls());
      NativeResidualOps strict = new NativeResidualOps(false);
      assertThrows(IllegalArgumentException.class, () -> strict.apply(before, residual));
    }
  }

  @Test
  void preferredIsNativeOnTheCpuAndLibTorchOnCuda() {
    assertEquals("native on cpu, torch on cuda", ResidualOps.preferred().name());
    assertEquals("torch", ResidualOps.torch().name());
    assertTrue(ResidualOps.nativeKernels() instanceof NativeResidualOps);
  }
}
