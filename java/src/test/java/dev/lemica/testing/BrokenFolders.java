package dev.lemica.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Copies of golden pipeline folders with one thing broken, and the one-line refusal a broken one must get. */
public final class BrokenFolders {
  private BrokenFolders() {}

  /** {@code golden} copied to {@code dir/name}, without its io.safetensors. */
  public static Path copy(Path golden, Path dir, String name) throws IOException {
    Path copy = dir.resolve(name);
    try (Stream<Path> files = Files.walk(golden)) {
      for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = copy.resolve(golden.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else if (!f.getFileName().toString().equals("io.safetensors")) {
          Files.copy(f, target);
        }
      }
    }
    return copy;
  }

  /** Replaces {@code from}, which must be there, by {@code to} in a text file. */
  public static void replace(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " holds " + from);
    Files.writeString(file, text.replace(from, to));
  }

  public static void truncateToHalf(Path file) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(c.size() / 2);
    }
  }

  public static void deleteTree(Path p) throws IOException {
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  /** Exit 1, one line on stderr holding every {@code expected} part, and {@code output} not written. */
  public static void assertRefused(CliRunner r, Path output, String... expected) {
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    for (String e : expected) {
      assertTrue(r.err().contains(e), "expected '" + e + "' in: " + r.err());
    }
    assertTrue(Files.notExists(output), "nothing written");
  }
}
