package dev.lemica.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ProfilingTest {

  @Test
  void rangesNestAndCloseTwiceSafely() {
    Profiling.Range outer = Profiling.range("outer");
    try (Profiling.Range inner = Profiling.range("inner")) {
      assertTrue(inner != null);
    }
    outer.close();
    outer.close();
    if (!torch.cuda_is_available()) {
      assertFalse(Profiling.nvtxEnabled(), "no NVTX without CUDA");
    }
  }

  @Test
  void nvtxCallsAreHarmlessWithoutAProfiler() {
    // Whatever the build: without Nsight attached a push/pop pair is a no-op returning a number.
    LemicaNative.lemica_nvtx_push("test");
    LemicaNative.lemica_nvtx_pop();
  }

  @Test
  void cpuTimerMeasuresWallClock() throws InterruptedException {
    try (PointerScope scope = new PointerScope()) {
      Profiling.Timer timer = Profiling.timer(torch.zeros(2));
      Thread.sleep(5);
      timer.close();
      double ms = timer.elapsedMillis();
      assertTrue(ms >= 4 && ms < 5000, ms + " ms");
      assertEquals(ms, timer.elapsedMillis());
    }
  }
}
