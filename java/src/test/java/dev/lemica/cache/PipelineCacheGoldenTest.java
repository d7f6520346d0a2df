package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.StrictJson;
import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The transformers and the block-stack cache against diffusers' own FluxPipeline and
 * QwenImagePipeline runs (the tiny pipeline goldens, transformers loaded from their pipeline folders;
 * Qwen-Image's sharded): every step's transformer output, full and with the schedule 0,1,3,5,7 whose
 * reused steps add the image stream's residual of the last computed step (LeMiCa4FLUX's rule; for
 * Qwen-Image one residual per CFG branch). Each step starts from the golden's own latents, so a
 * difference shows at the step that makes it.
 */
class PipelineCacheGoldenTest {
  private static final Schedule CACHED = Schedule.of(8, 0, 1, 3, 5, 7);

  @Test
  void fluxPipelineStepsFullAndCached() {
    Path dir = Golden.dir("flux_pipeline_tiny");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      Map<String, Tensor> cond = new LinkedHashMap<>();
      cond.put("encoder_hidden_states", io.tensor("out.prompt_embeds"));
      cond.put("pooled_projections", io.tensor("out.pooled_prompt_embeds"));
      cond.put("guidance", io.tensor("out.guidance"));
      cond.put("img_ids", io.tensor("out.latent_image_ids"));
      cond.put("txt_ids", io.tensor("out.text_ids"));
      for (boolean cached : new boolean[] {false, true}) {
        String suffix = cached ? "_cached" : "";
        try (ResidualCache cache = new ResidualCache(new StaticSchedulePolicy(cached ? CACHED : Schedule.full(8)).start(8))) {
          for (int i = 0; i < 8; i++) {
            Tensor latents = i == 0 ? io.tensor("in.noise") : io.tensor("traj" + suffix + "." + (i - 1));
            Tensor v = model.forward(inputs(cond, latents, timestep(model, io, i, latents.size(0)), null), cache.hook(i, "cond"));
            double err = Tensors.relativeL2(v, io.tensor("act.noise_pred" + suffix + "." + i));
            // The golden's tolerance: one float32 ulp of exp() at the 3500 rad guidance argument is ~3e-5.
            assertTrue(err < 1e-4, "FLUX step " + i + suffix + ": " + err);
          }
        }
      }
    }
  }

  @Test
  void qwenImagePipelineStepsWithTrueCfgFullAndCached() {
    Path dir = Golden.dir("qwenimage_pipeline_tiny");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(dir, ComputeTarget.CPU_FLOAT32)) {
      var meta = StrictJson.readObject(dir.resolve("meta.json"));
      Map<String, Tensor> cond = new LinkedHashMap<>();
      cond.put("encoder_hidden_states", io.tensor("out.prompt_embeds"));
      cond.put("encoder_hidden_states_mask", io.tensor("out.prompt_embeds_mask"));
      // A str negative prompt is one row for the whole batch: the transformer broadcasts it.
      Map<String, Tensor> uncond = Map.of("encoder_hidden_states", io.tensor("out.negative_prompt_embeds"));
      double scale = meta.get("true_cfg_scale").asDouble();
      Tensor sigmas = io.tensor("out.sigmas");
      for (boolean cached : new boolean[] {false, true}) {
        String suffix = cached ? "_cached" : "";
        try (ResidualCache cache = new ResidualCache(new StaticSchedulePolicy(cached ? CACHED : Schedule.full(8)).start(8))) {
          for (int i = 0; i < 8; i++) {
            Tensor latents = i == 0 ? io.tensor("in.noise") : io.tensor("traj" + suffix + "." + (i - 1));
            Tensor t = timestep(model, io, i, latents.size(0));
            Tensor vc = model.forward(inputs(cond, latents, t, meta), cache.hook(i, "cond"));
            Tensor vu = model.forward(inputs(uncond, latents, t, meta), cache.hook(i, "uncond"));
            // The pipeline's true CFG with its norm rescale (the model's guide), then the scheduler's Euler step.
            Tensor noisePred = new dev.lemica.sampling.NormRescaledGuidance(scale).combine(vu, vc, i, 0);
            if (!cached) {
              double err = Tensors.relativeL2(noisePred, io.tensor("act.noise_pred." + i));
              assertTrue(err < 1e-5, "Qwen-Image step " + i + ": " + err);
            }
            Tensor dt = sigmas.narrow(0, i + 1, 1).sub(sigmas.narrow(0, i, 1));
            Tensor next = latents.add(noisePred.mul(dt));
            double err = Tensors.relativeL2(next, io.tensor("traj" + suffix + "." + i));
            assertTrue(err < 1e-5, "Qwen-Image latents after step " + i + suffix + ": " + err);
          }
        }
      }
    }
  }

  /** The pipelines pass t.expand(B) / 1000 (float32): the model's timestepInput. */
  private static Tensor timestep(DiffusionTransformer model, SafetensorsFile io, int step, long batch) {
    return model.timestepInput(io.tensor("out.timesteps").narrow(0, step, 1).expand(batch));
  }

  private static ForwardInputs inputs(Map<String, Tensor> conditioning, Tensor latents, Tensor timestep, com.fasterxml.jackson.databind.JsonNode meta) {
    Map<String, Tensor> in = new LinkedHashMap<>(conditioning);
    in.put("hidden_states", latents);
    in.put("timestep", timestep);
    return new ForwardInputs(in, meta);
  }
}
