package dev.lemica.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it: {@code VmRSS} now and {@code VmHWM}, the peak
 * since the last {@link #resetPeak}. Everything counts here, the JVM heap and LibTorch's native
 * allocations alike, which is what decides whether a run fits a machine.
 */
final class ProcessMemory {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private ProcessMemory() {}

  /** Resident set size now, in bytes. */
  static long rss() {
    return field("VmRSS:");
  }

  /** Peak resident set size since the last {@link #resetPeak} (or the process start), in bytes. */
  static long peak() {
    return field("VmHWM:");
  }

  /** Starts a new peak window (Linux 4.0+: writing 5 to clear_refs resets VmHWM to the current RSS). */
  static void resetPeak() {
    try {
      Files.writeString(CLEAR_REFS, "5");
    } catch (IOException e) {
      throw new IllegalStateException(CLEAR_REFS + ": cannot reset the peak RSS (" + e.getMessage() + ")", e);
    }
  }

  private static long field(String name) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024; // the kernel reports kB
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(STATUS + ": unreadable (" + e.getMessage() + ")", e);
    }
    throw new IllegalStateException(STATUS + ": no " + name + " line (not Linux?)");
  }

  static String gib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
