package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Copies of golden pipeline folders with one thing broken, and the generate run that must refuse them. */
public final class BrokenFolders {
  private BrokenFolders() {}

  /** A copy of {@code golden} (without its io.safetensors) under {@code dir}. */
  public static Path copy(Path golden, Path dir) throws IOException {
    return TestFolders.copyTree(golden, dir.resolve(golden.getFileName()), Set.of("io.safetensors"));
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
}
