package dev.lemica.pipeline.cogvideox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.BrokenFolders;
import dev.lemica.testing.Golden;
import dev.lemica.testing.PipelineGoldenRun;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny CogVideoXPipeline folder (diffusers' real pipeline_cogvideox.py reproduces it bit
 * for bit: CogVideoX 1.5 frame padding, dynamic CFG, CogVideoXDDIMScheduler) through {@code generate}:
 * diffusers' latents and decoded video within 1e-4, full and cached.
 */
class CogVideoXPipelineGoldenTest {
  private static final List<String> PROMPTS = List.of("A panda plays a tiny guitar in the bamboo forest", "Two  red boats\tdrift on a calm lake at sunset");

  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    PipelineGoldenRun.assertFullAndCachedMatch(
        Golden.dir("cogvideox_pipeline_tiny"), dir,
        List.of("--prompt", PROMPTS.get(0), "--prompt", PROMPTS.get(1),
            "--negative-prompt", "blurry low quality", "--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6"),
        9, 16.0, 32, 48);
  }

  @Test
  void precomputedEmbeddingsGiveTheSameRun() {
    PipelineGoldenRun.assertEmbeddingsRunMatches(Golden.dir("cogvideox_pipeline_tiny"), dir, List.of("--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6"));
  }

  /** THUDM's CLI recipe (the golden's dpm.* run): a CogVideoXDPMScheduler folder and --seed, whose generator also draws every step's noise. */
  @Test
  void aDpmFolderWithASeedMatchesTheCliRecipe() throws java.io.IOException {
    Path folder = BrokenFolders.copy(Golden.dir("cogvideox_pipeline_tiny"), dir, "dpm");
    BrokenFolders.replace(folder.resolve("scheduler/scheduler_config.json"), "CogVideoXDDIMScheduler", "CogVideoXDPMScheduler");
    Path tensors = dir.resolve("dpm.safetensors");
    CliRunner r = CliRunner.run("generate", "--model", folder.toString(), "--prompt", PROMPTS.get(0), "--prompt", PROMPTS.get(1),
        "--negative-prompt", "blurry low quality", "--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6",
        "--seed", "51002", "--tensor-out", tensors.toString(), "--out", dir.resolve("dpm.mp4").toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("cogvideox_pipeline_tiny").resolve("io.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(tensors)) {
      double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("dpm.latents"));
      double video = Tensors.relativeL2(ours.tensor("video"), io.tensor("dpm.video"));
      System.out.printf("cogvideox_pipeline_tiny dpm from --seed: latents %.2e, video %.2e relative L2%n", latents, video);
      assertTrue(latents < 1e-4 && video < 1e-4, "latents " + latents + ", video " + video);
    }
  }
}
