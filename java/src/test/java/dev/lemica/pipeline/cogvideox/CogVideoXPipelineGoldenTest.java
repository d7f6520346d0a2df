package dev.lemica.pipeline.cogvideox;

import dev.lemica.cli.GoldenGeneration;
import dev.lemica.testing.Golden;
import java.nio.file.Path;
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
}
