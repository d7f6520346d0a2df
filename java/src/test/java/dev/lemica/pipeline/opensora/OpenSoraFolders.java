package dev.lemica.pipeline.opensora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Copies of the tiny golden folder for tests that change one thing. */
final class OpenSoraFolders {
  private OpenSoraFolders() {}

  /** {@code golden} copied to {@code to}, without its io and meta files. */
  static Path copy(Path golden, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(golden)) {
      for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(golden.relativize(f).toString());
        String name = f.getFileName().toString();
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else if (!name.equals("io.safetensors") && !name.equals("meta.json")) {
          Files.copy(f, target);
        }
      }
    }
    return to;
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
