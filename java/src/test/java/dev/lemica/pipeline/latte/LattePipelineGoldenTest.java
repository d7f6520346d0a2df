package dev.lemica.pipeline.latte;

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
 * The golden tiny LattePipeline folder (diffusers' real pipeline_latte.py reproduces it bit for bit:
 * lowercased prompts, T5 with its mask, mask_feature, learned sigma, DDIMScheduler, chunked 2D VAE)
 * goes through {@code generate} from its own initial latents and must give diffusers' latents and
 * decoded video within 1e-4, full and under its cached schedule.
 */
class LattePipelineGoldenTest {
  private static final Path FOLDER = Golden.dir("latte_pipeline_tiny");
  private static final String[] PROMPTS = {"A small cactus with a happy face in the Sahara desert", "  Two Dogs run along the quiet beach at dawn "};

  @TempDir Path dir;

  private CliRunner generate(Path mp4, Path tensors, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", FOLDER.toString()));
    for (String p : PROMPTS) {
      args.addAll(List.of("--prompt", p));
    }
    args.addAll(List.of("--height", "64", "--width", "64", "--frames", "4", "--steps", "8", "--guidance", "7.5",
        "--noise", FOLDER.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(), "--out", mp4.toString(), "--quiet"));
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
        System.out.printf("latte_pipeline_tiny %s: latents %.2e, video %.2e relative L2%n", cached ? "cached" : "full", latents, video);
        assertTrue(latents < 1e-4, (cached ? "cached " : "") + "latents differ by " + latents);
        assertTrue(video < 1e-4, (cached ? "cached " : "") + "video differs by " + video);
        VideoReader.Video decoded = VideoReader.read(mp4);
        assertEquals(4, decoded.count());
        assertEquals("h264", decoded.codec());
        assertEquals(8.0, decoded.fps(), 1e-6);
        assertEquals(64 * 4, decoded.height());
        assertEquals(2 * 64 * 4 + 4, decoded.width());
      }
    }
  }
}
