package dev.lemica.pipeline.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.GoldenGeneration;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden tiny Open-Sora 1.2 folder (Open-Sora's real scripts/inference.py reproduces it bit for
 * bit) through {@code generate} with only the prompts and the golden's initial latents: every other
 * setting (32x40, 22 frames, 10 RFLOW steps, cfg 7, aes 6.5, fps 24) comes from its inference.json.
 * Latents and decoded video must match within 1e-4, full and under the golden's cached schedule.
 */
class OpenSoraPipelineGoldenTest {
  private static final Path FOLDER = Golden.dir("opensora_pipeline_tiny");
  static final String[] PROMPTS = {"A small red fox runs across the snowy field at dawn", "  Two cats &amp; a dog play in the GARDEN!  "};
  private static final GoldenGeneration GOLDEN = new GoldenGeneration(FOLDER, "--prompt", PROMPTS[0], "--prompt", PROMPTS[1]);

  @TempDir Path dir;

  @Test
  void fullAndCachedRunsMatchOpenSora() {
    GoldenGeneration.Run full = GOLDEN.run(dir, "full");
    GOLDEN.assertMatches(full, "", 1e-4);
    GoldenGeneration.Run cached = GOLDEN.run(dir, "cached", "--schedule", "0,1,3,6,9");
    GOLDEN.assertMatches(cached, "_cached", 1e-4);
    // The two videos side by side (scale 4: 32x40 is small), 22 frames at save_fps 24.
    GoldenGeneration.assertMp4(full.mp4(), 22, 24.0, 32 * 4, 2 * 40 * 4 + 4);
  }

  @Test
  void aBudgetRunReusesTheBlockStackAndDiffersFromTheFullRun() {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    GoldenGeneration.Run run;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      run = GOLDEN.run(dir, "budget", "--budget", "5");
    } finally {
      System.setErr(stderr);
    }
    String said = log.toString(StandardCharsets.UTF_8);
    System.out.println("budget run: " + said.strip());
    assertTrue(said.contains("cache: ") && said.contains("5/10"), said);
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(run.tensors())) {
      double fromFull = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents"));
      System.out.printf("budget 5 of 10 vs full: latents %.3e relative L2%n", fromFull);
      assertTrue(fromFull > 1e-3 && fromFull < 0.5, "a cached run differs from the full one, within reason: " + fromFull);
    }
    assertEquals(22, dev.lemica.video.VideoReader.read(run.mp4()).count());
  }
}
