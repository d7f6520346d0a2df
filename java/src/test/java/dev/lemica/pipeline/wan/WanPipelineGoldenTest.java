package dev.lemica.pipeline.wan;

import dev.lemica.cli.GoldenGeneration;
import dev.lemica.testing.Golden;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny WanPipeline folder (diffusers' real pipeline_wan.py reproduces it bit for bit) goes
 * through {@code generate} from its own explicit initial latents and must give diffusers' decoded
 * video within 1e-4, full and under its cached schedule.
 */
class WanPipelineGoldenTest {
  private static final GoldenGeneration GOLDEN = new GoldenGeneration(
      Golden.dir("wan_pipeline_tiny"),
      "--prompt", "a small red fox runs across the snowy meadow at dawn", "--prompt", "  two cats &amp; a dog\tplay ",
      "--height", "32", "--width", "48", "--frames", "9", "--steps", "8", "--guidance", "5");

  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    for (boolean cached : new boolean[] {false, true}) {
      GoldenGeneration.Run run = cached ? GOLDEN.run(dir, "cached", "--schedule", "0,1,3,5,7") : GOLDEN.run(dir, "full");
      GOLDEN.assertMatches(run, cached ? "_cached" : "", 1e-4);
      // The MP4 holds the same frames: the two videos side by side (scale 4: 32x48 is small), 8-bit H.264.
      GoldenGeneration.assertMp4(run.mp4(), 9, 16.0, 32 * 4, 2 * 48 * 4 + 4);
    }
  }
}
