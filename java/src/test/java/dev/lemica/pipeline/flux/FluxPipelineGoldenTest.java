package dev.lemica.pipeline.flux;

import dev.lemica.pipeline.ImagePipelineGolden;
import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny FluxPipeline folder (diffusers' real pipeline_flux.py reproduces it bit for bit)
 * through {@code generate} to a PNG: diffusers' latents and images within 1e-4, full and cached.
 */
class FluxPipelineGoldenTest {
  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() throws IOException {
    ImagePipelineGolden.fullAndCachedMatch(
        Golden.dir("flux_pipeline_tiny"), dir,
        List.of("--prompt", "A red fox runs across the snowy field at dawn", "--prompt", "two  cats\tplay in the quiet garden",
            "--height", "48", "--width", "64", "--steps", "8", "--guidance", "3.5"),
        "out.image_np");
  }
}
