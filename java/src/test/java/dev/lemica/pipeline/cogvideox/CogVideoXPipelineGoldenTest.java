package dev.lemica.pipeline.cogvideox;

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
 * The golden tiny CogVideoXPipeline folder (diffusers' real pipeline_cogvideox.py reproduces it bit
 * for bit: CogVideoX 1.5 frame padding, dynamic CFG, CogVideoXDDIMScheduler) goes through
 * {@code generate} from its own initial latents and must give diffusers' latents and decoded video
 * within 1e-4, full and under its cached schedule.
 */
class CogVideoXPipelineGoldenTest {
  private static final Path FOLDER = Golden.dir("cogvideox_pipeline_tiny");
  private static final String[] PROMPTS = {"A panda plays a tiny guitar in the bamboo forest", "Two  red boats\tdrift on a calm lake at sunset"};

  @TempDir Path dir;

  private CliRunner generate(Path mp4, Path tensors, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", FOLDER.toString()));
    for (String p : PROMPTS) {
      args.addAll(List.of("--prompt", p));
    }
    args.addAll(List.of("--negative-prompt", "blurry low quality", "--height", "32", "--width", "48", "--frames", "9", "--steps", "8",
        "--guidance", "6", "--noise", FOLDER.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(), "--out",
        mp4.toString(), "--quiet"));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void fullAndCachedRunsMatchDiffusers() {
    for (boolean cached : new boolean[] {false, true}) {
      Path mp4 = dir.resolve(cached ? "cached.mp4" : "full.mp4");
      Path tensors = dir.resolve(cached ? "cached.safetensors" : "full.safetensors");
      CliRunner r = cached ? generate(mp4, tensors, "--schedule", "0,1,3,5,7") : generate(mp4, tensors);
      assertEquals(0, r.exitCode(), r.err());
      try (PointerScope scope = new PointerScope();
          SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
          SafetensorsFile ours = SafetensorsFile.open(tensors)) {
        String suffix = cached ? "_cached" : "";
        double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents" + suffix));
        double video = Tensors.relativeL2(ours.tensor("video"), io.tensor("out.video" + suffix));
        System.out.printf("cogvideox_pipeline_tiny %s: latents %.2e, video %.2e relative L2%n", cached ? "cached" : "full", latents, video);
        assertTrue(latents < 1e-4, (cached ? "cached " : "") + "latents differ by " + latents);
        assertTrue(video < 1e-4, (cached ? "cached " : "") + "video differs by " + video);
        VideoReader.Video decoded = VideoReader.read(mp4);
        assertEquals(9, decoded.count());
        assertEquals("h264", decoded.codec());
        assertEquals(16.0, decoded.fps(), 1e-6);
        assertEquals(32 * 4, decoded.height());
        assertEquals(2 * 48 * 4 + 4, decoded.width());
      }
    }
  }
}
