package dev.lemica.video;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes one image as PNG. */
public final class PngWriter {
  private PngWriter() {}

  public static void write(BufferedImage image, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(image, "png", file.toFile())) {
        throw new IOException("no PNG encoder");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write PNG (" + e.getMessage() + ")", e);
    }
  }
}
