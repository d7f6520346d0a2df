package dev.lemica.pipeline.qwenimage;

import dev.lemica.pipeline.ImagePipelineGolden;
import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny QwenImagePipeline folder (true CFG 4 with the negative prompt " ", one row for the
 * batch) through {@code generate} to a PNG: diffusers' latents and images within 1e-4, full and cached.
 */
class QwenImagePipelineGoldenTest {
  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchDiffusers() throws IOException {
    ImagePipelineGolden.fullAndCachedMatch(
        Golden.dir("qwenimage_pipeline_tiny"), dir,
        List.of("--prompt", "A small red fox, sitting in the snow at dawn.", "--prompt", "3 cats play...", "--negative-prompt", " ",
            "--height", "64", "--width", "80", "--steps", "8", "--guidance", "4",
            // The texts differ in length: batched CFG must fall back to two forwards, not fail.
            "--cfg", "batched"),
        "out.images");
  }
}
