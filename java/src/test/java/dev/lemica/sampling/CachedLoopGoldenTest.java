package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The golden 8-step cached loop: full and b5 reproduce, and b5 really differs from full. */
class CachedLoopGoldenTest {

  static Tensor run(SafetensorsFile io, DiffusionTransformer model, CachePolicy policy, GuidedDenoiser.Branches branches) {
    FlowMatchEuler sampler = new FlowMatchEuler(8, 3.0);
    try (ResidualCache cache = new ResidualCache(policy.start(8));
        GuidedDenoiser denoiser =
          new GuidedDenoiser(
              model,
              Map.of("encoder_hidden_states", io.tensor("in.cond")),
              Map.of("encoder_hidden_states", io.tensor("in.uncond")),
              5.0,
              cache,
              branches)) {
      Tensor out = sampler.sample(io.tensor("in.noise"), denoiser, StepListener.NONE);
      int computedSteps = cache.computedCalls();
      assertEquals(
          ((StaticSchedulePolicy) policy).schedule().budget() * (branches == GuidedDenoiser.Branches.BATCHED ? 1 : 2),
          computedSteps);
      return out;
    }
  }

  @ParameterizedTest
  @EnumSource(GuidedDenoiser.Branches.class)
  void reproducesFullAndB5(GuidedDenoiser.Branches branches) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan_cached_loop").resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir("wan"), ComputeTarget.CPU_FLOAT32)) {
      Tensor full = run(io, model, new StaticSchedulePolicy(Schedule.full(8)), branches);
      Tensor b5 = run(io, model, new StaticSchedulePolicy(Schedule.of(8, 0, 1, 3, 5, 7)), branches);

      double fullErr = Tensors.relativeL2(full, io.tensor("out.full"));
      double b5Err = Tensors.relativeL2(b5, io.tensor("out.b5"));
      assertTrue(fullErr < 1e-5, "full relative L2 " + fullErr);
      assertTrue(b5Err < 1e-5, "b5 relative L2 " + b5Err);
      double cacheEffect = Tensors.relativeL2(io.tensor("out.b5"), io.tensor("out.full"));
      assertTrue(cacheEffect > 100 * 1e-5, "b5 differs from full by " + cacheEffect + ": the cache is not a no-op");
      assertTrue(Tensors.relativeL2(b5, full) > 100 * 1e-5, "our b5 differs from our full");
    }
  }
}
