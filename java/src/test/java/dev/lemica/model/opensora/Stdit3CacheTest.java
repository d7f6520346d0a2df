package dev.lemica.model.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ResidualCache;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.cache.TeaCachePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.Denoiser;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * LeMiCa's block-stack cache on STDiT3 through the project's seam only (ResidualCache, GuidedDenoiser,
 * the batched CFG call in context "cfg"): the guided velocity of every step of the pipeline golden,
 * full and with its cached schedule 0,1,3,6,9, from the golden's own trajectory.
 */
class Stdit3CacheTest {
  static final double TOLERANCE = 1e-5;
  static final int[] SCHEDULE = {0, 1, 3, 6, 9};

  @Test
  void guidedVelocityMatchesTheFullAndTheCachedOpenSoraRuns() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_pipeline_tiny").resolve("io.safetensors"));
        Stdit3Transformer model = (Stdit3Transformer) Models.load(Golden.dir("opensora_pipeline_tiny"), ComputeTarget.CPU_FLOAT32)) {
      Map<String, Tensor> cond = Stdit3GoldenTest.PipelineInputs.cond(io);
      Map<String, Tensor> uncond = model.unconditional(cond).orElseThrow();
      long b = io.tensor("out.mask").size(0);
      assertEquals(0.0, Tensors.relativeL2(uncond.get(Stdit3Transformer.Y), io.tensor("out.y").narrow(0, b, b)), "null caption");
      float[] timesteps = Tensors.toFloats(io.tensor("out.timesteps"));
      int steps = timesteps.length;

      run(model, io, cond, uncond, FullCompute.INSTANCE, 3, timesteps, "traj", "v_pred", null);
      Schedule schedule = Schedule.of(steps, SCHEDULE);
      run(model, io, cond, uncond, new StaticSchedulePolicy(schedule), steps, timesteps, "traj_cached", "v_pred_cached", schedule);
    }
  }

  private static void run(
      Stdit3Transformer model, SafetensorsFile io, Map<String, Tensor> cond, Map<String, Tensor> uncond, CachePolicy policy,
      int steps, float[] timesteps, String trajectory, String velocity, Schedule schedule) {
    long b = io.tensor("out.mask").size(0);
    try (ResidualCache cache = new ResidualCache(policy.start(steps));
        GuidedDenoiser denoiser = new GuidedDenoiser(model, cond, uncond, 7.0, cache, GuidedDenoiser.Branches.BATCHED);
        ResidualCache fresh = new ResidualCache(FullCompute.INSTANCE.start(steps));
        GuidedDenoiser uncached = new GuidedDenoiser(model, cond, uncond, 7.0, fresh, GuidedDenoiser.Branches.BATCHED)) {
      for (int i = 0; i < steps; i++) {
        try (PointerScope step = new PointerScope()) {
          Tensor z = i == 0 ? io.tensor("in.noise") : io.tensor(trajectory + "." + (i - 1));
          Denoiser.Prediction p = denoiser.predict(z, i, timesteps[i]);
          double err = Tensors.relativeL2(p.output(), io.tensor(velocity + "." + i));
          assertTrue(err < TOLERANCE, velocity + "." + i + " relative L2 " + err);
          System.out.println(velocity + "." + i + " relative L2 " + err);
          if (schedule == null) {
            continue;
          }
          assertEquals(schedule.computes(i), p.computed(), "step " + i);
          if (schedule.computes(i)) {
            // One residual for the batched call: our rows are [uncond; cond], Open-Sora's [cond; uncond].
            Tensor reference = io.tensor("act.cache_residual." + i);
            Tensor swapped = torch.cat(new TensorVector(reference.narrow(0, b, b), reference.narrow(0, 0, b)), 0);
            double r = Tensors.relativeL2(cache.residuals().get("cfg"), swapped);
            assertTrue(r < TOLERANCE, "act.cache_residual." + i + " relative L2 " + r);
            System.out.println("act.cache_residual." + i + " relative L2 " + r);
          }
          if (i >= 2 && i <= 3) {
            // Step 2 reuses step 1's residual, step 3 computes again.
            double againstFull = Tensors.relativeL2(p.output(), uncached.predict(z, i, timesteps[i]).output());
            if (schedule.computes(i)) {
              assertEquals(0.0, againstFull, "a computed step is the uncached forward, step " + i);
            } else {
              assertTrue(againstFull > 1e-3, "reusing the residual changes step " + i + " (" + againstFull + ")");
              System.out.println("reused step " + i + " differs from the uncached forward by " + againstFull);
            }
          }
        }
      }
      assertEquals(schedule == null ? steps : SCHEDULE.length, cache.computedCalls());
      assertEquals(schedule == null ? 0 : steps - SCHEDULE.length, cache.reusedCalls());
    }
  }

  /** The first block's modulated input serves TeaCache-style policies: they run and skip on STDiT3 too. */
  @Test
  void firstBlockModulatedInputDrivesAnOnlinePolicy() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_pipeline_tiny").resolve("io.safetensors"));
        Stdit3Transformer model = (Stdit3Transformer) Models.load(Golden.dir("opensora_pipeline_tiny"), ComputeTarget.CPU_FLOAT32)) {
      Tensor x = io.tensor("in.noise");
      Map<String, Tensor> in = Stdit3GoldenTest.PipelineInputs.cond(io);
      in.put(Stdit3Transformer.X, x);
      Tensor[] seen = new Tensor[2];
      float[] t = {1000f, 500f};
      for (int k = 0; k < 2; k++) {
        int slot = k;
        in.put(Stdit3Transformer.TIMESTEP, torch.full(new long[] {x.size(0)}, new org.bytedeco.pytorch.Scalar(t[k]), new org.bytedeco.pytorch.DimnameListOptional(), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)));
        model.forward(ForwardInputs.of(in), call -> {
          seen[slot] = call.firstBlockModulatedInput();
          assertTrue(Tensors.sameShape(seen[slot], call.hiddenBefore()));
          return call.runBlocks();
        });
      }
      assertTrue(Tensors.relativeL2(seen[0], seen[1]) > 1e-3, "the modulated input follows the timestep");

      float[] timesteps = Tensors.toFloats(io.tensor("out.timesteps"));
      try (ResidualCache cache = new ResidualCache(new TeaCachePolicy(0.5).start(timesteps.length));
          GuidedDenoiser denoiser = new GuidedDenoiser(model, Stdit3GoldenTest.PipelineInputs.cond(io), model.unconditional(Stdit3GoldenTest.PipelineInputs.cond(io)).orElseThrow(), 7.0, cache, GuidedDenoiser.Branches.SEPARATE)) {
        for (int i = 0; i < 5; i++) {
          try (PointerScope step = new PointerScope()) {
            denoiser.predict(io.tensor(i == 0 ? "in.noise" : "traj." + (i - 1)), i, timesteps[i]);
          }
        }
        assertTrue(cache.reusedCalls() > 0 && cache.computedCalls() > 0, cache.computedCalls() + " computed, " + cache.reusedCalls() + " reused");
      }
    }
  }
}
