package dev.lemica.pipeline.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.video.VideoReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  @TempDir Path dir;

  private CliRunner generate(Path mp4, Path tensors, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", FOLDER.toString()));
    for (String p : PROMPTS) {
      args.addAll(List.of("--prompt", p));
    }
    args.addAll(List.of("--noise", FOLDER.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(), "--out", mp4.toString(), "--quiet"));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void fullAndCachedRunsMatchOpenSora() {
    for (boolean cached : new boolean[] {false, true}) {
      Path mp4 = dir.resolve(cached ? "cached.mp4" : "full.mp4");
      Path tensors = dir.resolve(cached ? "cached.safetensors" : "full.safetensors");
      CliRunner r = cached ? generate(mp4, tensors, "--schedule", "0,1,3,6,9") : generate(mp4, tensors);
      assertEquals(0, r.exitCode(), r.err());
      try (PointerScope scope = new PointerScope();
          SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
          SafetensorsFile ours = SafetensorsFile.open(tensors)) {
        String suffix = cached ? "_cached" : "";
        double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents" + suffix));
        double video = Tensors.relativeL2(ours.tensor("video"), io.tensor("out.video" + suffix));
        System.out.printf("opensora_pipeline_tiny %s: latents %.2e, video %.2e relative L2%n", cached ? "cached" : "full", latents, video);
        assertTrue(latents < 1e-4, (cached ? "cached " : "") + "latents differ by " + latents);
        assertTrue(video < 1e-4, (cached ? "cached " : "") + "video differs by " + video);
        // The MP4: the two videos side by side (scale 4: 32x40 is small), 22 frames at save_fps 24, H.264.
        VideoReader.Video decoded = VideoReader.read(mp4);
        assertEquals(22, decoded.count());
        assertEquals("h264", decoded.codec());
        assertEquals(24.0, decoded.fps(), 1e-6);
        assertEquals(32 * 4, decoded.height());
        assertEquals(2 * 40 * 4 + 4, decoded.width());
      }
    }
  }

  @Test
  void aBudgetRunReusesTheBlockStackAndDiffersFromTheFullRun() {
    Path tensors = dir.resolve("budget.safetensors");
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stderr = System.err;
    CliRunner r;
    System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      r = generate(dir.resolve("budget.mp4"), tensors, "--budget", "5");
    } finally {
      System.setErr(stderr);
    }
    assertEquals(0, r.exitCode(), r.err());
    String said = log.toString(java.nio.charset.StandardCharsets.UTF_8);
    System.out.println("budget run: " + said.strip());
    assertTrue(said.contains("cache: ") && said.contains("5/10"), said);
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(tensors)) {
      double fromFull = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents"));
      System.out.printf("budget 5 of 10 vs full: latents %.3e relative L2%n", fromFull);
      assertTrue(fromFull > 1e-3 && fromFull < 0.5, "a cached run differs from the full one, within reason: " + fromFull);
    }
  }
}
