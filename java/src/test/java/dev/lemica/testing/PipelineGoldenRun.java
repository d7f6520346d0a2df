package dev.lemica.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import dev.lemica.video.VideoReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * A golden pipeline folder through {@code generate} from its own initial latents ({@code in.noise}),
 * full and under the golden's cached schedule 0,1,3,5,7 of 8 steps: latents and decoded video within
 * 1e-4 of {@code out.latents[_cached]} / {@code out.video[_cached]}, and an MP4 of two prompts side by
 * side at scale 4.
 */
public final class PipelineGoldenRun {
  private PipelineGoldenRun() {}

  /**
   * @param flags the run's prompts, sizes, steps and guidance
   * @param frames, fps, height, width what the MP4 must hold (one video's size in pixels)
   */
  public static void assertFullAndCachedMatch(Path folder, Path dir, List<String> flags, int frames, double fps, int height, int width) {
    for (boolean cached : new boolean[] {false, true}) {
      Path mp4 = dir.resolve(cached ? "cached.mp4" : "full.mp4");
      Path tensors = dir.resolve(cached ? "cached.safetensors" : "full.safetensors");
      List<String> args = new ArrayList<>(List.of("generate", "--model", folder.toString()));
      args.addAll(flags);
      args.addAll(List.of("--noise", folder.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(), "--out", mp4.toString(), "--quiet"));
      if (cached) {
        args.addAll(List.of("--schedule", "0,1,3,5,7"));
      }
      CliRunner r = CliRunner.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r.err());
      try (PointerScope scope = new PointerScope();
          SafetensorsFile io = SafetensorsFile.open(folder.resolve("io.safetensors"));
          SafetensorsFile ours = SafetensorsFile.open(tensors)) {
        String suffix = cached ? "_cached" : "";
        double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents" + suffix));
        double video = Tensors.relativeL2(ours.tensor("video"), io.tensor("out.video" + suffix));
        System.out.printf("%s %s: latents %.2e, video %.2e relative L2%n", folder.getFileName(), cached ? "cached" : "full", latents, video);
        assertTrue(latents < 1e-4, (cached ? "cached " : "") + "latents differ by " + latents);
        assertTrue(video < 1e-4, (cached ? "cached " : "") + "video differs by " + video);
        VideoReader.Video decoded = VideoReader.read(mp4);
        assertEquals(frames, decoded.count());
        assertEquals("h264", decoded.codec());
        assertEquals(fps, decoded.fps(), 1e-6);
        assertEquals(height * 4, decoded.height());
        assertEquals(2 * width * 4 + 4, decoded.width());
      }
    }
  }

  /**
   * {@code generate --embeddings} with the golden's own {@code out.prompt_embeds} ([negative; prompt],
   * as the pipelines concatenate them) instead of prompts: the same latents within 1e-4.
   *
   * @param sizes the run's sizes, steps and guidance (no prompts)
   */
  public static void assertEmbeddingsRunMatches(Path folder, Path dir, List<String> sizes) {
    Path embeddings = dir.resolve("embeddings.safetensors");
    Path tensors = dir.resolve("from-embeddings.safetensors");
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(folder.resolve("io.safetensors"))) {
      org.bytedeco.pytorch.Tensor both = io.tensor("out.prompt_embeds");
      long batch = both.size(0) / 2;
      new dev.lemica.safetensors.SafetensorsWriter()
          .put(dev.lemica.text.PrecomputedEmbeddings.UNCOND, both.narrow(0, 0, batch).contiguous())
          .put(dev.lemica.text.PrecomputedEmbeddings.COND, both.narrow(0, batch, batch).contiguous())
          .write(embeddings);
      List<String> args = new ArrayList<>(List.of("generate", "--model", folder.toString(), "--embeddings", embeddings.toString()));
      args.addAll(sizes);
      args.addAll(List.of("--noise", folder.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(),
          "--out", dir.resolve("from-embeddings.mp4").toString(), "--quiet"));
      CliRunner r = CliRunner.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsFile ours = SafetensorsFile.open(tensors)) {
        double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents"));
        assertTrue(latents < 1e-4, "latents from embeddings differ by " + latents);
      }
    }
  }
}
