package dev.lemica.pipeline.latte;

import dev.lemica.cli.GoldenGeneration;
import dev.lemica.testing.Golden;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny LattePipeline folder (diffusers' real pipeline_latte.py reproduces it bit for bit:
 * lowercased prompts, T5 with its mask, mask_feature, learned sigma, DDIMScheduler, chunked 2D VAE)
 * goes through {@code generate} from its own initial latents and must give diffusers' latents and
 * decoded video within 1e-4, full and under its cached schedule.
 */
class LattePipelineGoldenTest {
  private static final GoldenGeneration GOLDEN = new GoldenGeneration(
      Golden.dir("latte_pipeline_tiny"),
      "--prompt", "A small cactus with a happy face in the Sahara desert", "--prompt", "  Two Dogs run along the quiet beach at dawn ",
      "--height", "64", "--width", "64", "--frames", "4", "--steps", "8", "--guidance", "7.5");

  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    for (boolean cached : new boolean[] {false, true}) {
      GoldenGeneration.Run run = cached ? GOLDEN.run(dir, "cached", "--schedule", "0,1,3,5,7") : GOLDEN.run(dir, "full");
      GOLDEN.assertMatches(run, cached ? "_cached" : "", 1e-4);
      GoldenGeneration.assertMp4(run.mp4(), 4, 8.0, 64 * 4, 2 * 64 * 4 + 4);
    }
  }

  @Test
  void precomputedEmbeddingsGiveTheSameRun() {
    GOLDEN.assertEmbeddingsRunMatches(dir, 1e-4, "--height", "64", "--width", "64", "--frames", "4", "--steps", "8", "--guidance", "7.5");
  }
}
