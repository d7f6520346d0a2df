package dev.lemica.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file a command will write, checked before the work that produces it (a sampling run can take
 * hours; a typo in the folder name should cost nothing), and written atomically: the bytes go to a
 * hidden temporary file in the same folder, which is renamed onto the final name only once complete,
 * so a crash never leaves half a file under that name.
 */
public final class OutputFile {
  private OutputFile() {}

  /**
   * Fails with one line naming {@code file} unless it ends with one of {@code extensions} (case
   * insensitive, e.g. ".png"), its folder exists, is a folder and lets us create files, and
   * {@code file} itself is not a folder. The folder is tested by creating and deleting a file in it,
   * since permission bits say nothing for root and nothing about read-only or virtual file systems.
   *
   * @return the extension found, lower case, with its dot
   */
  public static String check(Path file, String... extensions) {
    String extension = extension(file);
    boolean known = false;
    for (String e : extensions) {
      known |= e.equalsIgnoreCase(extension);
    }
    if (!known) {
      String expected = extensions.length == 1 ? extensions[0] : String.join(", ", extensions);
      throw new IllegalArgumentException(
          file + ": " + (extension.isEmpty() ? "no file extension" : "unknown extension '" + extension + "'") + ", expected " + expected);
    }
    Path folder = folder(file);
    if (!Files.exists(folder)) {
      throw new IllegalArgumentException(file + ": folder " + folder + " does not exist");
    }
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(file + ": " + folder + " is not a folder");
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + ": is a folder, not a file");
    }
    Path probe = temporarySibling(file);
    try {
      Files.createFile(probe);
      Files.delete(probe);
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalArgumentException(file + ": cannot create files in " + folder + " (" + reason(e) + ")");
    }
    return extension.toLowerCase(Locale.ROOT);
  }

  /** The extension of the file name, with its dot, as written; empty when there is none. */
  public static String extension(Path file) {
    Path name = file.getFileName();
    String s = name == null ? "" : name.toString();
    int dot = s.lastIndexOf('.');
    return dot <= 0 ? "" : s.substring(dot);
  }

  /** A fresh hidden name next to {@code file}: same folder, hence same file system, so rename is atomic. */
  public static Path temporarySibling(Path file) {
    String name = file.getFileName() == null ? "out" : file.getFileName().toString();
    long tag = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    return folder(file).resolve("." + name + "." + Long.toString(tag, 36) + ".tmp");
  }

  /** Writes {@code file} through {@code body}, which gets the temporary path to fill. */
  public static void writeAtomically(Path file, Body body) {
    Path tmp = temporarySibling(file);
    boolean done = false;
    try {
      body.write(tmp);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write (" + reason(e) + ")", e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; its message is the one to report
        }
      }
    }
  }

  /** What {@link #writeAtomically} runs. */
  @FunctionalInterface
  public interface Body {
    void write(Path temporary) throws IOException;
  }

  private static Path folder(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent != null ? parent : file.toAbsolutePath().getRoot();
  }

  private static String reason(Exception e) {
    if (e instanceof java.nio.file.FileSystemException fs) {
      if (fs.getReason() != null) {
        return fs.getReason();
      }
      if (fs instanceof java.nio.file.AccessDeniedException) {
        return "permission denied";
      }
      if (fs instanceof java.nio.file.NoSuchFileException) {
        return "no such file or folder";
      }
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
