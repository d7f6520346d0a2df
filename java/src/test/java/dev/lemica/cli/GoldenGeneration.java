package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import dev.lemica.video.VideoReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * A golden tiny pipeline folder through {@code generate} from the golden's own initial latents
 * ({@code in.noise} of its io.safetensors): its latents and video (from --tensor-out) against the
 * golden's {@code out.latents} / {@code out.video} (or their {@code _cached} run), and the MP4's form.
 */
public final class GoldenGeneration {
  private final Path folder;
  private final List<String> flags;

  /** @param flags the prompts and settings of the golden run (everything but --noise, --tensor-out, --out) */
  public GoldenGeneration(Path folder, String... flags) {
    this.folder = folder;
    this.flags = List.of(flags);
  }

  /** One run, writing {@code dir/name.mp4} and {@code dir/name.safetensors}; {@code extra} adds flags (a schedule). */
  public Run run(Path dir, String name, String... extra) {
    Path mp4 = dir.resolve(name + ".mp4");
    Path tensors = dir.resolve(name + ".safetensors");
    List<String> args = new ArrayList<>(List.of("generate", "--model", folder.toString()));
    args.addAll(flags);
    args.addAll(List.of("--noise", folder.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(), "--out", mp4.toString(), "--quiet"));
    args.addAll(List.of(extra));
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    return new Run(mp4, tensors, r);
  }

  public record Run(Path mp4, Path tensors, CliRunner cli) {}

  /** The run's latents and video against the golden's {@code out.*<suffix>}, each within {@code tolerance} relative L2 (printed). */
  public void assertMatches(Run run, String suffix, double tolerance) {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(folder.resolve("io.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(run.tensors())) {
      double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents" + suffix));
      double video = Tensors.relativeL2(ours.tensor("video"), io.tensor("out.video" + suffix));
      String label = folder.getFileName() + (suffix.isEmpty() ? " full" : " " + suffix.substring(1));
      System.out.printf("%s: latents %.2e, video %.2e relative L2%n", label, latents, video);
      assertTrue(latents < tolerance, label + " latents differ by " + latents);
      assertTrue(video < tolerance, label + " video differs by " + video);
    }
  }

  /** The MP4 is H.264 with {@code frames} frames at {@code fps} of {@code height} x {@code width} pixels. */
  public static void assertMp4(Path mp4, int frames, double fps, int height, int width) {
    VideoReader.Video decoded = VideoReader.read(mp4);
    assertEquals(frames, decoded.count());
    assertEquals("h264", decoded.codec());
    assertEquals(fps, decoded.fps(), 1e-6);
    assertEquals(height, decoded.height());
    assertEquals(width, decoded.width());
  }

  /**
   * {@code generate --embeddings} with the golden's own {@code out.prompt_embeds} ([negative; prompt],
   * as the pipelines concatenate them) instead of prompts: the same latents within {@code tolerance}.
   *
   * @param sizes the run's sizes, steps and guidance (no prompts)
   */
  public void assertEmbeddingsRunMatches(Path dir, double tolerance, String... sizes) {
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
      args.addAll(List.of(sizes));
      args.addAll(List.of("--noise", folder.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(),
          "--out", dir.resolve("from-embeddings.mp4").toString(), "--quiet"));
      CliRunner r = CliRunner.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsFile ours = SafetensorsFile.open(tensors)) {
        double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents"));
        assertTrue(latents < tolerance, "latents from embeddings differ by " + latents);
      }
    }
  }
}
