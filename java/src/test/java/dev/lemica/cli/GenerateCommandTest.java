package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.torch.Tensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
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
