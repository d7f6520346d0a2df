package dev.lemica.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Scratch copies of test folders, to edit one file and see what the loader says. */
public final class TestFolders {
  private TestFolders() {}

  /** Copies the files of {@code folder} (not its subfolders) into a new folder {@code copy}. */
  public static Path copy(Path folder, Path copy) throws IOException {
    Files.createDirectories(copy);
    try (var files = Files.list(folder)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }
}
