package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.Schedule;
import dev.lemica.schedule.ScheduleFile;
import dev.lemica.schedule.ScheduleSource;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One schedule file and one {@link CachePolicy} drive Wan2.1, FLUX.1 and Qwen-Image through the same
 * {@link ResidualCache}, with no model-specific cache code: each model only hands its block stack to
 * the hook. Per family: computing every step through the cache reproduces the uncached run exactly,
 * reusing changes the result, and the residuals are kept per CFG branch (FLUX.1-dev: one branch;
 * Wan and Qwen-Image: cond and uncond, Qwen-Image's with texts and masks of their own).
 */
class CrossFamilyCacheTest {
  private static final int STEPS = 8;
  private static final Schedule SCHEDULE = Schedule.of(STEPS, 0, 1, 3, 5, 7);

  @TempDir Path dir;

  /** A model with its per-branch inputs, latents and guidance, as a sampling run sees it. */
  private record Case(String folder, double guidance, int branches) {}

  @Test
  void oneScheduleFileAndPolicyDriveEveryFamily() {
    Path file = dir.resolve("b5.json");
    ScheduleFile.solved(SCHEDULE, "uniform", null, null, null).write(file);
    CachePolicy policy = ScheduleSource.parse(file.toString(), STEPS, false);
    for (Case c :
        new Case[] {new Case("wan", 5.0, 2), new Case("flux", 1.0, 1), new Case("qwenimage", 4.0, 2)}) {
      try (PointerScope scope = new PointerScope();
          InferenceMode inference = new InferenceMode();
          SafetensorsFile io = SafetensorsFile.open(Golden.dir(c.folder()).resolve("io.safetensors"));
          DiffusionTransformer model = Models.load(Golden.dir(c.folder()), ComputeTarget.CPU_FLOAT32)) {
        Map<String, Tensor> cond = conditioning(c.folder(), io, false);
        Map<String, Tensor> uncond = conditioning(c.folder(), io, true);
        Tensor noise = io.tensor("in.hidden_states");

        Run full = run(model, c, cond, uncond, noise, FullCompute.INSTANCE, GuidedDenoiser.Branches.SEPARATE);
        Tensor uncached = uncached(model, c, cond, uncond, noise);
        assertEquals(0.0, Tensors.relativeL2(full.latents(), uncached), c.folder() + ": computing every step through the cache is the uncached run");

        Run cached = run(model, c, cond, uncond, noise, policy, GuidedDenoiser.Branches.SEPARATE);
        double diff = Tensors.relativeL2(cached.latents(), full.latents());
        assertTrue(diff > 1e-4, c.folder() + ": reuse changes the result, by " + diff);
        assertEquals(SCHEDULE.budget() * c.branches(), cached.computed(), c.folder());
        assertEquals((STEPS - SCHEDULE.budget()) * c.branches(), cached.reused(), c.folder());
        assertEquals(c.branches() == 1 ? java.util.Set.of("cond") : java.util.Set.of("cond", "uncond"), cached.residualShapes().keySet(), c.folder());
        // The residual is the image (or video) stream's: (batch, latent tokens, dim).
        for (long[] shape : cached.residualShapes().values()) {
          assertEquals(io.tensor("in.hidden_states").size(0), shape[0], c.folder());
        }
        // The same cached run again: deterministic.
        assertEquals(0.0, Tensors.relativeL2(run(model, c, cond, uncond, noise, policy, GuidedDenoiser.Branches.PARALLEL).latents(), cached.latents()));
      }
    }
  }

  private record Run(Tensor latents, int computed, int reused, Map<String, long[]> residualShapes) {}

  private static Run run(
      DiffusionTransformer model, Case c, Map<String, Tensor> cond, Map<String, Tensor> uncond, Tensor noise, CachePolicy policy,
      GuidedDenoiser.Branches branches) {
    try (ResidualCache cache = new ResidualCache(policy.start(STEPS));
        GuidedDenoiser guided = new GuidedDenoiser(model, cond, uncond, model.pipelineGuidance(c.guidance()), cache, branches)) {
      Tensor latents = new FlowMatchEuler(STEPS, 3.0).sample(noise, guided, StepListener.NONE);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      cache.residuals().forEach((context, r) -> shapes.put(context, Tensors.shape(r)));
      return new Run(latents, cache.computedCalls(), cache.reusedCalls(), shapes);
    }
  }

  /** The same run with the plain forward (no hook at all) in place of the cache. */
  private static Tensor uncached(DiffusionTransformer model, Case c, Map<String, Tensor> cond, Map<String, Tensor> uncond, Tensor noise) {
    FlowMatchEuler sampler = new FlowMatchEuler(STEPS, 3.0);
    Tensor x = noise.clone();
    for (int i = 0; i < STEPS; i++) {
      double t = sampler.sigmas().timestep(i);
      Tensor vc = model.forward(inputs(model, cond, x, t));
      Tensor v = c.guidance() == 1.0 ? vc : model.pipelineGuidance(c.guidance()).combine(model.forward(inputs(model, uncond, x, t)), vc, i, t);
      x.add_(v, new Scalar(sampler.sigmas().sigma(i + 1) - sampler.sigmas().sigma(i)));
    }
    return x;
  }

  private static dev.lemica.model.ForwardInputs inputs(DiffusionTransformer model, Map<String, Tensor> conditioning, Tensor x, double t) {
    Map<String, Tensor> in = new LinkedHashMap<>(conditioning);
    in.put("hidden_states", x);
    in.put("timestep", model.timestepInput(torch.full(new long[] {x.size(0)}, new Scalar(t), new org.bytedeco.pytorch.DimnameListOptional(), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float))));
    return dev.lemica.model.ForwardInputs.of(in);
  }

  /**
   * The golden inputs as per-branch maps. The uncond branch gets other text: Wan zeros, FLUX none
   * (one branch), Qwen-Image a shorter negative prompt with a padded mask of its own.
   */
  private static Map<String, Tensor> conditioning(String folder, SafetensorsFile io, boolean uncond) {
    Map<String, Tensor> in = new LinkedHashMap<>(Golden.inTensors(io));
    in.remove("hidden_states");
    in.remove("timestep");
    if (folder.equals("qwenimage")) {
      var grid = StrictJson.readObject(Golden.dir(folder).resolve("meta.json")).get("img_shapes").get(0);
      in.put("img_shapes", Tensors.fromLongs(new long[] {grid.get(0).asLong(), grid.get(1).asLong(), grid.get(2).asLong()}, 1, 3));
      if (uncond) {
        Tensor text = in.get("encoder_hidden_states");
        in.put("encoder_hidden_states", text.narrow(1, 0, 5).flip(new long[] {1}).contiguous());
        in.put("encoder_hidden_states_mask", Tensors.fromLongs(new long[] {1, 1, 1, 0, 0}, 1, 5));
      }
    } else if (folder.equals("wan") && uncond) {
      in.put("encoder_hidden_states", torch.zeros_like(in.get("encoder_hidden_states")));
    }
    return in;
  }
}
