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
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.nn.Norms;
import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch_cuda;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The CUDA kernels against LibTorch on the GPU. Skipped where LibTorch sees no CUDA device (the
 * default CPU build, or no GPU); run with {@code mvn -Pgpu test} on a GPU machine.
 */
@EnabledIf("cudaUsable")
class CudaKernelsTest {
  static boolean cudaUsable() {
    return CudaSupport.cudaAvailable() && NativeKernels.isAvailable() && NativeKernels.cudaCompiled();
  }

  private static final Device CUDA = new Device("cuda:0");

  @Test
  void storeAndApplyEqualLibTorch() {
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : SHAPES) {
        try (PointerScope scope = new PointerScope()) {
          long seed = freshSeed();
          Tensor after = random(shape, dtype, CUDA);
          Tensor before = random(shape, dtype, CUDA);
          String what = "cuda " + describe(shape, dtype, seed);
          Tensor out = poisoned(shape, dtype, CUDA);
          NativeKernels.residualStoreInto(out, after, before);
          assertSameValues(after.sub(before), out, "store " + what);
          Tensor out2 = poisoned(shape, dtype, CUDA);
          NativeKernels.residualApplyInto(out2, before, out);
          assertSameValues(before.add(out), out2, "apply " + what);
        }
      }
    }
  }

  @Test
  void unalignedBuffersTakeTheScalarPath() {
    for (ScalarType dtype : DTYPES) {
      try (PointerScope scope = new PointerScope()) {
        long seed = freshSeed();
        // Views starting one element in: contiguous but not 16-byte aligned.
        Tensor a = random(new long[] {1 + 4099}, dtype, CUDA).narrow(0, 1, 4099);
        Tensor b = random(new long[] {1 + 4099}, dtype, CUDA).narrow(0, 1, 4099);
        assertSameValues(a.sub(b), NativeKernels.residualStore(a, b), describe(new long[] {4099}, dtype, seed));
        double[] exact = exactMeanAbsError(a.reshape(1, 4099), b.reshape(1, 4099));
        float[] got = Tensors.toFloats(NativeKernels.meanAbsError(a.reshape(1, 4099), b.reshape(1, 4099)));
        assertTrue(maxRelativeError(got, exact) < 2e-6);
      }
    }
  }

  @Test
  void meanAbsErrorMatchesExact() {
    long[][] shapes = {{1, 7, 3}, {3, 129, 65}, {3, 1025, 1028}, {1, 32760, 1536}};
    for (ScalarType dtype : DTYPES) {
      for (long[] shape : shapes) {
        try (PointerScope scope = new PointerScope()) {
          long seed = freshSeed();
          Tensor a = random(shape, dtype, CUDA);
          Tensor b = random(shape, dtype, CUDA);
          Tensor out = poisoned(new long[] {shape[0]}, ScalarType.Float, CUDA);
          NativeKernels.meanAbsErrorInto(out, a, b);
          double err = maxRelativeError(Tensors.toFloats(out), exactMeanAbsError(a, b));
          assertTrue(err < 1e-5, "cuda meanAbsError " + describe(shape, dtype, seed) + ": " + err);
        }
      }
    }
  }

  @Test
  void modulateMatchesLibTorch() {
    for (ScalarType dtype : DTYPES) {
      try (PointerScope scope = new PointerScope()) {
        long seed = freshSeed();
        long[] shape = {3, 77, 1536};
        Tensor x = random(shape, dtype, CUDA);
        Tensor shift = torch.randn(3, 1, 1536).to(CUDA, ScalarType.Float);
        Tensor scale = torch.randn(3, 1, 1536).mul(new Scalar(0.1)).to(CUDA, ScalarType.Float);
        Tensor expected =
            torch.addcmul(shift, Norms.layerNorm(x.to(ScalarType.Float), null, null, 1e-6), scale.add(new Scalar(1.0)))
                .to(dtype);
        Tensor ours = NativeKernels.modulate(x, shift, scale, 1e-6);
        String what = "cuda modulate " + describe(shape, dtype, seed);
        if (dtype.value == ScalarType.Float.value) {
          KernelTesting.assertClose(expected, ours, 4e-6, 1e-6, what);
        } else {
          assertWithinUlps(expected, ours, 1, what);
        }
      }
    }
  }

  @Test
  void runsOnTheCurrentStream() {
    try (PointerScope scope = new PointerScope()) {
      CUDAStream previous = torch_cuda.getCurrentCUDAStream((byte) 0);
      CUDAStream side = torch_cuda.getStreamFromPool(false, (byte) 0);
      torch_cuda.setCurrentCUDAStream(side);
      try {
        long[] shape = {3, 32760, 64};
        Tensor a = random(shape, ScalarType.BFloat16, CUDA);
        Tensor b = random(shape, ScalarType.BFloat16, CUDA);
        Tensor mae;
        try (Profiling.Timer timer = Profiling.timer(a);
            Profiling.Range range = Profiling.range("meanAbsError on a side stream")) {
          mae = NativeKernels.meanAbsError(a, b);
        }
        side.synchronize();
        double err = maxRelativeError(Tensors.toFloats(mae), exactMeanAbsError(a, b));
        assertTrue(err < 1e-5, "side stream: " + err);
      } finally {
        torch_cuda.setCurrentCUDAStream(previous);
      }
    }
  }

  @Test
  void eventTimerMeasuresGpuTime() {
    try (PointerScope scope = new PointerScope()) {
      Tensor a = random(new long[] {1, 32760, 1536}, ScalarType.Float, CUDA);
      Profiling.Timer timer = Profiling.timer(a);
      NativeKernels.residualApply(a, a);
      timer.close();
      double ms = timer.elapsedMillis();
      assertTrue(ms > 0 && ms < 10_000, ms + " ms");
      assertEquals(ms, timer.elapsedMillis(), 1e-9);
    }
  }
}
