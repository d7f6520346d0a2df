package dev.lemica.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The host's memory as Linux reports it in /proc: LibTorch's allocations are invisible to the JVM,
 * so the resident set is the only honest measure of what a model costs on a CPU. Empty where /proc
 * does not exist.
 */
public final class HostMemory {
  private HostMemory() {}

  /** This process's peak resident set (VmHWM), bytes. */
  public static OptionalLong peakResident() {
    return field(Path.of("/proc/self/status"), "VmHWM:");
  }

  /** This process's resident set now (VmRSS), bytes. */
  public static OptionalLong resident() {
    return field(Path.of("/proc/self/status"), "VmRSS:");
  }

  /** Memory the kernel can give without swapping (MemAvailable), bytes. */
  public static OptionalLong available() {
    return field(Path.of("/proc/meminfo"), "MemAvailable:");
  }

  private static OptionalLong field(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          String[] parts = line.substring(key.length()).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or an unexpected format: no figure rather than a wrong one.
    }
    return OptionalLong.empty();
  }
}
