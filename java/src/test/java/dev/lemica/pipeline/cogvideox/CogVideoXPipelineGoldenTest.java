package dev.lemica.pipeline.cogvideox;

import dev.lemica.testing.Golden;
import dev.lemica.testing.PipelineGoldenRun;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny CogVideoXPipeline folder (diffusers' real pipeline_cogvideox.py reproduces it bit
 * for bit: CogVideoX 1.5 frame padding, dynamic CFG, CogVideoXDDIMScheduler) through {@code generate}:
 * diffusers' latents and decoded video within 1e-4, full and cached.
 */
class CogVideoXPipelineGoldenTest {
  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    PipelineGoldenRun.assertFullAndCachedMatch(
        Golden.dir("cogvideox_pipeline_tiny"), dir,
        List.of("--prompt", "A panda plays a tiny guitar in the bamboo forest", "--prompt", "Two  red boats\tdrift on a calm lake at sunset",
            "--negative-prompt", "blurry low quality", "--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6"),
        9, 16.0, 32, 48);
  }

  @Test
  void precomputedEmbeddingsGiveTheSameRun() {
    PipelineGoldenRun.assertEmbeddingsRunMatches(Golden.dir("cogvideox_pipeline_tiny"), dir, List.of("--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "6"));
  }
}
