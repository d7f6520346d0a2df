package dev.lemica.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

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

  /**
   * Copies the whole tree of {@code folder} (a golden pipeline folder) into {@code copy}, leaving
   * out the files named in {@code skip} (its io.safetensors, meta.json): a folder to break one
   * thing in.
   */
  public static Path copyTree(Path folder, Path copy, Set<String> skip) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = copy.resolve(folder.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else if (!skip.contains(f.getFileName().toString())) {
          Files.copy(f, target);
        }
      }
    }
    return copy;
  }

  public static void deleteTree(Path p) throws IOException {
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
