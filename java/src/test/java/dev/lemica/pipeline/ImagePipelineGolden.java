package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The check an image pipeline golden (FLUX.1, Qwen-Image) gets: {@code generate} of its two prompts
 * from its own packed initial latents to a PNG, full and under its cached schedule 0,1,3,5,7; final
 * latents and decoded images within 1e-4 of diffusers', and the PNG's pixels those of the pipeline's
 * {@code output_type='np'} images rounded to 8 bits, side by side.
 */
public final class ImagePipelineGolden {
  private ImagePipelineGolden() {}

  /**
   * @param args the generate arguments besides --noise, --out, --tensor-out and --schedule
   * @param npImages the golden's channels-last [0, 1] images ("out.image_np" for FLUX, "out.images" for Qwen-Image)
   */
  public static void fullAndCachedMatch(Path folder, Path dir, List<String> args, String npImages) throws IOException {
    for (boolean cached : new boolean[] {false, true}) {
      Path png = dir.resolve(cached ? "cached.png" : "full.png");
      Path tensors = dir.resolve(cached ? "cached.safetensors" : "full.safetensors");
      List<String> all = new ArrayList<>(List.of("generate", "--model", folder.toString()));
      all.addAll(args);
      all.addAll(List.of("--noise", folder.resolve("io.safetensors").toString(), "--tensor-out", tensors.toString(),
          "--out", png.toString(), "--scale", "1", "--quiet"));
      if (cached) {
        all.addAll(List.of("--schedule", "0,1,3,5,7"));
      }
      CliRunner r = CliRunner.run(all.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r.err());
      try (PointerScope scope = new PointerScope();
          SafetensorsFile io = SafetensorsFile.open(folder.resolve("io.safetensors"));
          SafetensorsFile ours = SafetensorsFile.open(tensors)) {
        String suffix = cached ? "_cached" : "";
        double latents = Tensors.relativeL2(ours.tensor("latents"), io.tensor("out.latents" + suffix));
        Tensor video = ours.tensor("video");
        assertEquals(1, video.size(2), "one frame per image");
        double image = Tensors.relativeL2(video.select(2, 0), io.tensor("out.image" + suffix));
        System.out.printf("%s %s: latents %.2e, image %.2e relative L2%n", folder.getFileName(), cached ? "cached" : "full", latents, image);
        assertTrue(latents < 1e-4, (cached ? "cached " : "") + "latents differ by " + latents);
        assertTrue(image < 1e-4, (cached ? "cached " : "") + "image differs by " + image);
        assertPngHolds(png, io.tensor(npImages + suffix));
      }
    }
  }

  /**
   * Through the Java API: the request's batch under the golden's cached schedule gives the golden's
   * cached images within 1e-4, and each prompt alone (its row of the noise) gives its row of the
   * batch within 1e-5.
   */
  public static void batchMatchesGoldenAndSingleRuns(Path folder, GenerationRequest request) {
    try (PointerScope scope = new PointerScope();
        org.bytedeco.pytorch.InferenceMode inference = new org.bytedeco.pytorch.InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(folder.resolve("io.safetensors"));
        DiffusionPipeline p = Pipelines.open(folder, dev.lemica.model.ComputeTarget.CPU_FLOAT32)) {
      GenerationSettings both = p.resolve(request);
      Tensor noise = io.tensor("in.noise");
      var policy = new dev.lemica.cache.StaticSchedulePolicy(dev.lemica.schedule.Schedule.of(8, 0, 1, 3, 5, 7));
      var separate = dev.lemica.sampling.GuidedDenoiser.Branches.SEPARATE;
      Generation batch = p.generate(both, noise, policy, separate, PipelineListener.NONE);
      double golden = Tensors.relativeL2(batch.videos().select(2, 0), io.tensor("out.image_cached"));
      assertTrue(golden < 1e-4, "the batch differs from diffusers' cached images by " + golden);
      for (int i = 0; i < both.batch(); i++) {
        Generation single = p.generate(both.rows(i, i + 1), noise.narrow(0, i, 1), policy, separate, PipelineListener.NONE);
        double d = Tensors.relativeL2(single.videos(), batch.videos().narrow(0, i, 1));
        assertTrue(d < 1e-5, "prompt " + i + " alone differs from its row of the batch by " + d);
      }
    }
  }

  /** The PNG is the B images in one row with a one-pixel gap, each pixel round(255·x) of the np images (B, H, W, 3). */
  private static void assertPngHolds(Path png, Tensor np) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    int b = (int) np.size(0);
    int h = (int) np.size(1);
    int w = (int) np.size(2);
    assertEquals(h, image.getHeight());
    assertEquals(b * w + (b - 1), image.getWidth());
    float[] v = Tensors.toFloats(np.contiguous());
    int worst = 0;
    for (int i = 0; i < b; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = image.getRGB(i * (w + 1) + x, y);
          for (int c = 0; c < 3; c++) {
            int expected = Math.round(v[((i * h + y) * w + x) * 3 + c] * 255f);
            int got = (rgb >> (16 - 8 * c)) & 0xff;
            worst = Math.max(worst, Math.abs(got - expected));
          }
        }
      }
    }
    // One level where a value sits on a rounding boundary and the 1e-5 float differences tip it.
    assertTrue(worst <= 1, "PNG pixels differ from the pipeline's images by up to " + worst + " levels");
  }
}
