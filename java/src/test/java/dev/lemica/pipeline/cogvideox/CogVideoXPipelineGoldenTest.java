package dev.lemica.pipeline.cogvideox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.cli.GoldenGeneration;
import dev.lemica.cache.FullCompute;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.PipelineListener;
import dev.lemica.pipeline.Residency;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny CogVideoXPipeline folder (diffusers' real pipeline_cogvideox.py reproduces it bit
 * for bit: CogVideoX 1.5 frame padding, dynamic CFG, CogVideoXDDIMScheduler) goes through
 * {@code generate} from its own initial latents and must give diffusers' latents and decoded video
 * within 1e-4, full and under its cached schedule.
 */
class CogVideoXPipelineGoldenTest {
  private static final GoldenGeneration GOLDEN = new GoldenGeneration(
      Golden.dir("cogvideox_pipeline_tiny"),
      "--prompt", "A panda plays a tiny guitar in the bamboo forest", "--prompt", "Two  red boats\tdrift on a calm lake at sunset",
      "--negative-prompt", "blurry low quality", "--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6");

  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    for (boolean cached : new boolean[] {false, true}) {
      GoldenGeneration.Run run = cached ? GOLDEN.run(dir, "cached", "--schedule", "0,1,3,5,7") : GOLDEN.run(dir, "full");
      GOLDEN.assertMatches(run, cached ? "_cached" : "", 1e-4);
      // The two videos side by side (scale 4: 32x48 is small), 8-bit H.264.
      GoldenGeneration.assertMp4(run.mp4(), 9, 16.0, 32 * 4, 2 * 48 * 4 + 4);
    }
  }

  /**
   * --no-dynamic-cfg is diffusers' own default, a constant scale: the CLI run equals the Java API's
   * pipeline opened with dynamic CFG off, and is not the golden's dynamic run; --dynamic-cfg is it.
   */
  @Test
  void noDynamicCfgRunsConstantGuidance() {
    Path golden = Golden.dir("cogvideox_pipeline_tiny");
    GoldenGeneration.Run plain = GOLDEN.run(dir, "plain", "--no-dynamic-cfg");
    GOLDEN.assertMatches(GOLDEN.run(dir, "dynamic", "--dynamic-cfg"), "", 1e-4);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(plain.tensors());
        CogVideoXPipeline api = CogVideoXPipeline.open(ModelIndex.read(golden), ComputeTarget.CPU_FLOAT32, Residency.KEEP, false)) {
      GenerationSettings s = api.resolve(GenerationRequest.of(List.of("A panda plays a tiny guitar in the bamboo forest", "Two  red boats\tdrift on a calm lake at sunset"))
          .withNegativePrompts(List.of("blurry low quality")).withSize(32, 48, 9).withSteps(8).withGuidance(6.0));
      Tensor expected = api.generate(s, io.tensor("in.noise"), FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, PipelineListener.NONE)
          .sampling().latents();
      double d = Tensors.relativeL2(ours.tensor("latents"), expected);
      assertTrue(d < 1e-5, "--no-dynamic-cfg differs from the API's plain-CFG run by " + d);
      assertTrue(Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents")) > 1e-2, "a constant scale is not the dynamic one");
    }
  }

  @Test
  void precomputedEmbeddingsGiveTheSameRun() {
    GOLDEN.assertEmbeddingsRunMatches(dir, 1e-4, "--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6");
  }

  /** THUDM's CLI recipe (the golden's dpm.* run): a CogVideoXDPMScheduler folder and --seed, whose generator also draws every step's noise. */
  @Test
  void aDpmFolderWithASeedMatchesTheCliRecipe() throws java.io.IOException {
    Path golden = Golden.dir("cogvideox_pipeline_tiny");
    Path folder = TestFolders.copyTree(golden, dir.resolve("dpm"), java.util.Set.of("io.safetensors"));
    dev.lemica.pipeline.BrokenFolders.replaceIn(folder.resolve("scheduler/scheduler_config.json"), "CogVideoXDDIMScheduler", "CogVideoXDPMScheduler");
    Path tensors = dir.resolve("dpm.safetensors");
    CliRunner r = CliRunner.run("generate", "--model", folder.toString(), "--prompt", "A panda plays a tiny guitar in the bamboo forest",
        "--prompt", "Two  red boats\tdrift on a calm lake at sunset", "--negative-prompt", "blurry low quality", "--height", "32", "--width", "48",
        "--frames", "9", "--steps", "8", "--guidance", "6", "--seed", "51002", "--tensor-out", tensors.toString(),
        "--out", dir.resolve("dpm.mp4").toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(tensors)) {
      double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("dpm.latents"));
      double video = Tensors.relativeL2(ours.tensor("video"), io.tensor("dpm.video"));
      System.out.printf("cogvideox_pipeline_tiny dpm from --seed: latents %.2e, video %.2e relative L2%n", latents, video);
      assertTrue(latents < 1e-4 && video < 1e-4, "latents " + latents + ", video " + video);
    }
  }
}
