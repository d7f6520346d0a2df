package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CogVideoX and Latte behind the one caching seam, with no model-specific cache code: diffusers'
 * cached pipeline calls replayed, and the seam's contract (compute = plain forward, reuse = the
 * stored residual of the same CFG branch).
 */
class VideoTransformerCacheTest {
  private static final Schedule CACHED = Schedule.of(8, 0, 1, 3, 5, 7);

  /**
   * The 8 transformer calls of diffusers' cached CogVideoXPipeline / LattePipeline run (batched CFG,
   * one residual of batch 2B): every raw output and every residual stored at a computed step match.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cogvideox15_cached_steps", "latte_cached_steps"})
  void replaysTheCachedPipelineCalls(String folder) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir(folder).resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir(folder), ComputeTarget.CPU_FLOAT32);
        ResidualCache cache = new ResidualCache(new StaticSchedulePolicy(CACHED).start(8))) {
      long[] timesteps = Tensors.toLongs(io.tensor("out.timesteps"));
      for (int step = 0; step < 8; step++) {
        try (PointerScope stepScope = new PointerScope()) {
          Tensor x = step == 0 ? io.tensor("in.noise") : io.tensor("traj_cached." + (step - 1));
          Tensor out = model.forward(stepInputs(io, folder, x, timesteps[step]), cache.hook(step, "cfg"));
          double err = Tensors.relativeL2(out, io.tensor("act.noise_pred_raw_cached." + step));
          assertTrue(err < 1e-5, folder + " step " + step + " raw prediction relative L2 " + err);
          if (CACHED.computes(step)) {
            Tensor reference = io.tensor("act.cache_residual." + step);
            Tensor ours = cache.residuals().get("cfg").reshape(Tensors.shape(reference));
            double residualErr = Tensors.relativeL2(ours, reference);
            assertTrue(residualErr < 1e-5, folder + " step " + step + " residual relative L2 " + residualErr);
          }
        }
      }
      assertEquals(5, cache.computedCalls());
      assertEquals(3, cache.reusedCalls());
    }
  }

  /**
   * A computing call returns the plain forward bit for bit; a reusing call in the same CFG branch
   * with unchanged inputs gives it back (up to rounding of before + (after − before)), so the branch's
   * own residual was used and not the other's; at another timestep reuse changes the output.
   */
  @ParameterizedTest
  @ValueSource(strings = {"cogvideox15_cached_steps", "latte_cached_steps"})
  void computeReproducesAndReuseUsesTheBranchesResidual(String folder) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir(folder).resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir(folder), ComputeTarget.CPU_FLOAT32);
        ResidualCache cache = new ResidualCache(new StaticSchedulePolicy(Schedule.of(8, 0, 7)).start(8))) {
      Tensor x = io.tensor("in.noise").narrow(0, 0, 1);
      Tensor embeds = io.tensor("out.prompt_embeds");
      long half = embeds.size(0) / 2;
      Map<String, ForwardInputs> branches = Map.of(
          "uncond", single(io, folder, x, embeds.narrow(0, 0, 1), 999),
          "cond", single(io, folder, x, embeds.narrow(0, half, 1), 999));
      Map<String, Tensor> plain = new HashMap<>();
      for (var branch : branches.entrySet()) {
        plain.put(branch.getKey(), model.forward(branch.getValue()));
        Tensor computed = model.forward(branch.getValue(), cache.hook(0, branch.getKey()));
        assertEquals(0.0, Tensors.relativeL2(computed, plain.get(branch.getKey())), branch.getKey() + ": compute = plain forward");
      }
      assertTrue(Tensors.relativeL2(plain.get("cond"), plain.get("uncond")) > 1e-2, "the branches differ");
      for (var branch : branches.entrySet()) {
        Tensor reused = model.forward(branch.getValue(), cache.hook(1, branch.getKey()));
        assertTrue(Tensors.relativeL2(reused, plain.get(branch.getKey())) < 1e-6, branch.getKey() + ": its own residual");
      }
      ForwardInputs later = single(io, folder, x, embeds.narrow(0, half, 1), 500);
      Tensor reusedLater = model.forward(later, cache.hook(2, "cond"));
      Tensor plainLater = model.forward(later);
      assertTrue(Tensors.relativeL2(reusedLater, plainLater) > 1e-3, "reuse changes the output");
      assertTrue(Tensors.relativeL2(reusedLater, plain.get("cond")) > 1e-3, "the head ran at the new timestep");
      assertEquals(2, cache.computedCalls());
      assertEquals(3, cache.reusedCalls());
    }
  }

  /** A TeaCache-style policy reads firstBlockModulatedInput: threshold 0 computes every step, a huge one only the ends. */
  @ParameterizedTest
  @ValueSource(strings = {"cogvideox15_cached_steps", "latte_cached_steps"})
  void teaCacheReadsTheFirstBlocksModulatedInput(String folder) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir(folder).resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir(folder), ComputeTarget.CPU_FLOAT32)) {
      long[] timesteps = Tensors.toLongs(io.tensor("out.timesteps"));
      for (double threshold : new double[] {0.0, 1e9}) {
        try (ResidualCache cache = new ResidualCache(new TeaCachePolicy(threshold).start(4))) {
          for (int step = 0; step < 4; step++) {
            try (PointerScope stepScope = new PointerScope()) {
              Tensor x = step == 0 ? io.tensor("in.noise") : io.tensor("traj_cached." + (step - 1));
              model.forward(stepInputs(io, folder, x, timesteps[step]), cache.hook(step, "cfg"));
            }
          }
          assertEquals(threshold == 0 ? 4 : 2, cache.computedCalls(), "threshold " + threshold);
        }
      }
    }
  }

  private static ForwardInputs stepInputs(SafetensorsFile io, String folder, Tensor x, long timestep) {
    Tensor embeds = io.tensor("out.prompt_embeds");
    Map<String, Tensor> in = new HashMap<>();
    in.put("hidden_states", torch.cat(new TensorVector(x, x), 0));
    in.put("encoder_hidden_states", embeds);
    in.put("timestep", torch.full(new long[] {embeds.size(0)}, new Scalar(timestep), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long)));
    if (folder.startsWith("cogvideox")) {
      in.put("rope_cos", io.tensor("out.rope_cos"));
      in.put("rope_sin", io.tensor("out.rope_sin"));
    }
    return ForwardInputs.of(in);
  }

  private static ForwardInputs single(SafetensorsFile io, String folder, Tensor x, Tensor embeds, long timestep) {
    Map<String, Tensor> in = new HashMap<>();
    in.put("hidden_states", x);
    in.put("encoder_hidden_states", embeds);
    in.put("timestep", Tensors.fromLongs(new long[] {timestep}, 1));
    if (folder.startsWith("cogvideox")) {
      in.put("rope_cos", io.tensor("out.rope_cos"));
      in.put("rope_sin", io.tensor("out.rope_sin"));
    }
    return ForwardInputs.of(in);
  }
}
