package dev.lemica.video;

import dev.lemica.io.OutputFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes one image as PNG, atomically (see {@link OutputFile}). */
public final class PngWriter {
  private PngWriter() {}

  /** Creates missing folders: plots and comparison strips go into report folders made on the way. */
  public static void write(BufferedImage image, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(file + ": cannot create its folder (" + e.getMessage() + ")", e);
    }
    OutputFile.writeAtomically(file, tmp -> {
      if (!ImageIO.write(image, "png", tmp.toFile())) {
        throw new IOException("no PNG encoder");
      }
    });
  }
}
