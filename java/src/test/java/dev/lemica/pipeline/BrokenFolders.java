package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Copies of golden pipeline folders with one thing broken, and the one-line refusal they must get. */
public final class BrokenFolders {
  private BrokenFolders() {}

  /** A copy of {@code golden} (without its io.safetensors) under {@code dir}. */
  public static Path copy(Path golden, Path dir) throws IOException {
    Path copy = dir.resolve(golden.getFileName());
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

  public static void replaceIn(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " lacks " + from);
    Files.writeString(file, text.replace(from, to));
  }

  public static void truncate(Path file) throws IOException {
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

  /**
   * {@code generate} of {@code model} with {@code head} (prompts and the like), two steps, then
   * {@code extra}; a 32x48 image into {@code out} unless {@code extra} says otherwise.
   */
  public static CliRunner generate(Path model, Path out, List<String> head, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString()));
    args.addAll(head);
    args.addAll(List.of("--steps", "2", "--quiet"));
    args.addAll(List.of(extra));
    for (String[] size : new String[][] {{"--height", "32"}, {"--width", "48"}, {"--out", out.toString()}}) {
      if (!args.contains(size[0])) {
        args.addAll(List.of(size));
      }
    }
    return CliRunner.run(args.toArray(String[]::new));
  }

  /** Exit 1, one line on stderr holding every {@code expected} part, and no {@code output} written. */
  public static void assertOneLine(CliRunner r, Path output, String... expected) {
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    for (String e : expected) {
      assertTrue(r.err().contains(e), "expected '" + e + "' in: " + r.err());
    }
    assertTrue(Files.notExists(output), "nothing written");
  }
}
