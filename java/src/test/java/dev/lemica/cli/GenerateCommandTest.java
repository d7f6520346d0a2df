package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.torch.Tensors;
import dev.lemica.video.VideoReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
  @TempDir Path dir;

  @Test
  void writesAnAnimatedGridGifAndTheRawVideos() throws IOException {
    Path gif = dir.resolve("two.gif");
    Path tensors = dir.resolve("two.safetensors");
    CliRunner r =
        CliRunner.run(
            "generate", "--prompt", "red circle moving right", "--prompt", "green square staying still",
            "--steps", "4", "--budget", "3", "--out", gif.toString(), "--tensor-out", tensors.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile f = SafetensorsFile.open(tensors)) {
      assertArrayEquals(new long[] {2, 3, 8, 32, 32}, Tensors.shape(f.tensor("video")));
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
      reader.setInput(in);
      assertEquals(8, reader.getNumImages(true), "one GIF frame per video frame");
      BufferedImage first = reader.read(0);
      assertEquals(2 * 32 * 4 + 4, first.getWidth(), "two videos side by side at scale 4 with a gap");
    }
  }

  @Test
  void writesARealMp4AtThePipelinesFrameRate() {
    Path mp4 = dir.resolve("red.mp4");
    CliRunner r = CliRunner.run("generate", "--prompt", "red circle moving right", "--steps", "2", "--out", mp4.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope()) {
      VideoReader.Video v = VideoReader.read(mp4);
      assertEquals("h264", v.codec());
      assertEquals(8, v.count(), "the embedded model's 8 frames");
      assertEquals(32 * 4, v.width(), "32 pixels at the default scale 4");
      assertEquals(8, v.fps(), 1e-9, "the embedded pipeline's default");
    }
    r = CliRunner.run("generate", "--prompt", "red circle moving right", "--steps", "2", "--out", mp4.toString(), "--fps", "16", "--scale", "1", "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope()) {
      VideoReader.Video v = VideoReader.read(mp4);
      assertEquals(16, v.fps(), 1e-9);
      assertEquals(32, v.width());
      assertEquals(0.5, v.seconds(), 0.05, "8 frames at 16 fps");
    }
  }

  @Test
  void badOutputPathsFailBeforeTheModelLoads() throws IOException {
    // a model folder that does not exist: were the outputs checked after loading, that would be the error
    String noModel = dir.resolve("no-model").toString();
    CliRunner r = CliRunner.run("generate", "--model", noModel, "--prompt", "red circle", "--out", "/proc/x.gif", "--quiet");
    assertOneLine(r, "/proc/x.gif: cannot create files in /proc");
    r = CliRunner.run("generate", "--model", noModel, "--prompt", "red circle", "--out", dir.resolve("x.avi").toString(), "--quiet");
    assertOneLine(r, "x.avi: unknown extension '.avi', expected .mp4, .webm, .gif, .png");
    String ok = dir.resolve("ok.mp4").toString();
    r = CliRunner.run("generate", "--model", noModel, "--prompt", "red circle", "--out", ok, "--tensor-out", dir.resolve("raw.pt").toString(), "--quiet");
    assertOneLine(r, "raw.pt: unknown extension '.pt', expected .safetensors");
    r = CliRunner.run("generate", "--model", noModel, "--prompt", "red circle", "--out", ok, "--frames-png", dir.resolve("gone/f.png").toString(), "--quiet");
    assertOneLine(r, "f.png: folder " + dir.resolve("gone") + " does not exist");
    Files.createDirectory(dir.resolve("taken.webm"));
    r = CliRunner.run("generate", "--model", noModel, "--prompt", "red circle", "--out", dir.resolve("taken.webm").toString(), "--quiet");
    assertOneLine(r, "taken.webm: is a folder, not a file");
    // with good outputs the model folder is what fails, so the checks above did run first
    r = CliRunner.run("generate", "--model", noModel, "--prompt", "red circle", "--out", ok, "--quiet");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no-model"), r.err());
    assertTrue(Files.notExists(dir.resolve("ok.mp4")));
  }

  private static void assertOneLine(CliRunner r, String expected) {
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
  }

  @Test
  void readsNoiseFromAFileAndChecksItsShape() {
    torch.manual_seed(3);
    Path noise = dir.resolve("noise.safetensors");
    new SafetensorsWriter().put("noise", torch.randn(1, 3, 8, 16, 16)).write(noise);
    CliRunner r = CliRunner.run("generate", "--prompt", "red circle", "--steps", "2", "--noise", noise.toString(), "--out", dir.resolve("x.gif").toString(), "--quiet");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("noise has shape [1, 3, 8, 16, 16], expected [1, 3, 8, 32, 32]"), r.err());
  }

  @Test
  void rejectsBadSchedulesAndBudgets() {
    String gif = dir.resolve("x.gif").toString();
    CliRunner r = CliRunner.run("generate", "--prompt", "red circle", "--steps", "6", "--schedule", "0,2,1,5", "--out", gif, "--quiet");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("strictly increasing"), r.err());
    r = CliRunner.run("generate", "--prompt", "red circle", "--steps", "6", "--schedule", "1,5", "--out", gif, "--quiet");
    assertTrue(r.err().contains("must compute the first step"), r.err());
    r = CliRunner.run("generate", "--prompt", "red circle", "--steps", "6", "--schedule", "0,3,9", "--out", gif, "--quiet");
    assertTrue(r.err().contains("outside 0..5"), r.err());
    r = CliRunner.run("generate", "--prompt", "red circle", "--steps", "6", "--schedule", "0,three,5", "--out", gif, "--quiet");
    assertTrue(r.err().contains("neither a file nor a list"), r.err());
    r = CliRunner.run("generate", "--prompt", "red circle", "--steps", "6", "--budget", "7", "--out", gif, "--quiet");
    assertTrue(r.err().contains("exceeds the 6 steps"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(Files.notExists(dir.resolve("x.gif")));
  }
}
