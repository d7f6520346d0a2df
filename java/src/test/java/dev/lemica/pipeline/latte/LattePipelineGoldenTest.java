package dev.lemica.pipeline.latte;

import dev.lemica.testing.Golden;
import dev.lemica.testing.PipelineGoldenRun;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny LattePipeline folder (diffusers' real pipeline_latte.py reproduces it bit for bit:
 * lowercased prompts, T5 with its mask, mask_feature, learned sigma, DDIMScheduler, chunked 2D VAE)
 * through {@code generate}: diffusers' latents and decoded video within 1e-4, full and cached.
 */
class LattePipelineGoldenTest {
  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    PipelineGoldenRun.assertFullAndCachedMatch(
        Golden.dir("latte_pipeline_tiny"), dir,
        List.of("--prompt", "A small cactus with a happy face in the Sahara desert", "--prompt", "  Two Dogs run along the quiet beach at dawn ",
            "--height", "64", "--width", "64", "--frames", "4", "--steps", "8", "--guidance", "7.5"),
        4, 8.0, 64, 64);
  }

  @Test
  void precomputedEmbeddingsGiveTheSameRun() {
    PipelineGoldenRun.assertEmbeddingsRunMatches(Golden.dir("latte_pipeline_tiny"), dir, List.of("--height", "64", "--width", "64", "--frames", "4", "--steps", "8", "--guidance", "7.5"));
  }
}
