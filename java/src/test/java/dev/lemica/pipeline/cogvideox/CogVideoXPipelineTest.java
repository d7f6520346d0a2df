package dev.lemica.pipeline.cogvideox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.FullCompute;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.Generation;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.PipelineListener;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.pipeline.Residency;
import dev.lemica.pipeline.SamplingResult;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.DynamicGuidance;
import dev.lemica.sampling.GeneratorNoise;
import dev.lemica.sampling.NoiseSource;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.cogvideox.AutoencoderKLCogVideoX;
import dev.lemica.vae.cogvideox.CogVideoXTiling;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CogVideoX pipeline through the Java API on the golden tiny folder. */
class CogVideoXPipelineTest {
  private static final Path FOLDER = Golden.dir("cogvideox_pipeline_tiny");
  private static final List<String> PROMPTS = List.of("A panda plays a tiny guitar in the bamboo forest", "Two  red boats\tdrift on a calm lake at sunset");

  @Test
  void defaultsComeFromCogVideoXPipelineAndTheFolder() {
    try (PointerScope scope = new PointerScope();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      assertInstanceOf(CogVideoXPipeline.class, p);
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("x")));
      assertEquals(64, s.height(), "sample_height 8 x the VAE's 8");
      assertEquals(64, s.width());
      assertEquals(9, s.frames(), "sample_frames");
      assertEquals(50, s.steps());
      assertEquals(6.0, s.guidance());
      assertEquals(226, s.maxSequenceLength());
      assertTrue(Double.isNaN(s.shift()), "DDIM has no flow shift");
      assertEquals(List.of(""), s.negativePrompts());
      assertEquals(16, p.fps());
      assertTrue(p.samplerName(s).startsWith("CogVideoXDDIMScheduler"), p.samplerName(s));
      assertEquals(List.of(1L, 4L, 4L, 8L, 8L), Arrays.stream(p.noiseShape(s)).boxed().toList(), "3 latent frames padded to 4, frames first");
      GenerationSettings one = p.resolve(GenerationRequest.of(List.of("x")).withSize(32, 48, 1));
      assertEquals(List.of(1L, 2L, 4L, 4L, 6L), Arrays.stream(p.noiseShape(one)).boxed().toList(), "1 latent frame padded to 2");
      assertEquals(9, p.resolve(GenerationRequest.of(List.of("x")).withSize(32, 48, 11)).frames(), "rounded down to 1 + 4k");
      assertEquals(16, p.resolve(GenerationRequest.of(List.of("x")).withSize(32, 48, 13)).frames(), "4 latent frames decode to 16");
      assertInstanceOf(DynamicGuidance.class, p.guidance(s));
      assertFalse(p.guidance(p.resolve(GenerationRequest.of(List.of("x")).withGuidance(1.0))).guided());
    }
  }

  /** THUDM's CLI decodes CogVideoX 1.5 with enable_tiling() and enable_slicing(): on by default, both off when asked. */
  @Test
  void theVaeTilesAndSlicesByDefault() {
    try (PointerScope scope = new PointerScope();
        AutoencoderKLCogVideoX vae = (AutoencoderKLCogVideoX) Vaes.load(FOLDER, ComputeTarget.CPU_FLOAT32);
        CogVideoXPipeline p = CogVideoXPipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32)) {
      assertTrue(p.vaeTiling());
      p.configure(vae);
      CogVideoXTiling tiling = vae.tiling().orElseThrow();
      assertEquals(List.of(240, 360), List.of(tiling.tileHeight(), tiling.tileWidth()), "half the vae config's sample size");
      assertEquals(List.of(1.0 / 6, 1.0 / 5), List.of(tiling.overlapHeight(), tiling.overlapWidth()));
      assertTrue(vae.slicing());
      try (CogVideoXPipeline plain = CogVideoXPipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32, Residency.KEEP, true, false)) {
        assertFalse(plain.vaeTiling());
        plain.configure(vae);
        assertFalse(vae.tiling().isPresent());
        assertFalse(vae.slicing());
      }
    }
  }

  /** Embeddings, per-step guidance and latents of the golden run through the API, and the plain-CFG variant. */
  @Test
  void theApiReproducesTheGoldenRun() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        CogVideoXPipeline p = CogVideoXPipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32, Residency.KEEP, true)) {
      GenerationSettings s =
          p.resolve(GenerationRequest.of(PROMPTS).withNegativePrompts(List.of("blurry low quality")).withSize(32, 48, 9).withSteps(8));
      Conditioning text = p.encode(s);
      Tensor embeds = torch.cat(new TensorVector(text.uncond().get("encoder_hidden_states"), text.cond().get("encoder_hidden_states")), 0);
      double e = Tensors.relativeL2(embeds, io.tensor("out.prompt_embeds"));
      assertTrue(e < 1e-5, "prompt embeds differ by " + e);
      DynamicGuidance g = (DynamicGuidance) p.guidance(s);
      long[] timesteps = Tensors.toLongs(io.tensor("out.timesteps"));
      for (int i = 0; i < timesteps.length; i++) {
        assertEquals(io.tensor("out.guidance_scale").get(i).item_double(), g.scaleAt(timesteps[i]), 0.0, "step " + i);
      }
      Tensor noise = io.tensor("in.noise");
      Generation run = p.generate(s, noise, FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, PipelineListener.NONE);
      double latents = Tensors.relativeL2(run.sampling().latents(), io.tensor("out.latents"));
      double video = Tensors.relativeL2(run.videos(), io.tensor("out.video"));
      assertTrue(latents < 1e-4 && video < 1e-4, "latents " + latents + ", video " + video);
      assertEquals(8, run.sampling().computedSteps());
      // Plain CFG is another run: the same pipeline with use_dynamic_cfg off must not give the golden.
      try (CogVideoXPipeline plain = CogVideoXPipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32, Residency.KEEP, false)) {
        Tensor other = plain.sample(text, noise, s, FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, (a, b, c) -> {}).latents();
        assertTrue(Tensors.relativeL2(other, io.tensor("out.latents")) > 1e-2, "a constant scale 6 is not the dynamic one");
      }
    }
  }

  /**
   * THUDM's CLI recipe, the golden's dpm.* run: the folder's scheduler swapped for CogVideoXDPMScheduler,
   * one CPU generator seeded 51002 drawing the initial latents and then every step's noise.
   */
  @Test
  void aDpmFolderFollowsTheCliRecipeFromASeed(@TempDir Path dir) throws java.io.IOException {
    Path dpm = TestFolders.copyTree(FOLDER, dir.resolve("dpm"), java.util.Set.of("io.safetensors"));
    dev.lemica.pipeline.BrokenFolders.replaceIn(dpm.resolve("scheduler/scheduler_config.json"), "CogVideoXDDIMScheduler", "CogVideoXDPMScheduler");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        GeneratorNoise generator = NoiseSource.seeded(51002);
        CogVideoXPipeline p = CogVideoXPipeline.open(ModelIndex.read(dpm), ComputeTarget.CPU_FLOAT32, Residency.KEEP, true)) {
      GenerationSettings s =
          p.resolve(GenerationRequest.of(PROMPTS).withNegativePrompts(List.of("blurry low quality")).withSize(32, 48, 9).withSteps(8));
      Tensor noise = generator.next(p.noiseShape(s));
      assertEquals(0.0, Tensors.relativeL2(noise, io.tensor("in.noise")), "the generator's first draw is the golden's noise");
      assertTrue(p.sampler(s).isStochastic(), p.samplerName(s));
      SamplingResult run = p.sample(p.encode(s), noise, s, FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, dev.lemica.sampling.Parallelism.NONE, (a, b, c) -> {}, generator);
      double latents = Tensors.relativeL2(run.latents(), io.tensor("dpm.latents"));
      double video = Tensors.relativeL2(p.decode(run.latents(), s), io.tensor("dpm.video"));
      assertTrue(latents < 1e-4 && video < 1e-4, "latents " + latents + ", video " + video);
    }
  }

  /** Rows do not interact: each prompt alone gives its row of the batch, under a schedule, at another size, one frame (its latent frame padded to two). */
  @Test
  void aBatchOfTwoPromptsEqualsTwoSingleRunsUnderASchedule() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        CogVideoXPipeline p = CogVideoXPipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32, Residency.KEEP, true)) {
      GenerationSettings both = p.resolve(GenerationRequest.of(PROMPTS).withSize(64, 32, 1).withSteps(4));
      torch.manual_seed(3);
      Tensor noise = torch.randn(p.noiseShape(both));
      assertEquals(List.of(2L, 2L, 4L, 8L, 4L), Arrays.stream(Tensors.shape(noise)).boxed().toList(), "1 latent frame padded to 2");
      StaticSchedulePolicy policy = new StaticSchedulePolicy(Schedule.of(4, 0, 1, 3));
      Generation batch = p.generate(both, noise, policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE);
      assertEquals(List.of(2L, 3L, 1L, 64L, 32L), Arrays.stream(Tensors.shape(batch.videos())).boxed().toList());
      for (int i = 0; i < 2; i++) {
        Generation single = p.generate(both.rows(i, i + 1), noise.narrow(0, i, 1), policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE);
        double d = Tensors.relativeL2(single.videos(), batch.videos().narrow(0, i, 1));
        assertTrue(d < 1e-5, "prompt " + i + " alone differs from its row of the batch by " + d);
      }
    }
  }
}
