package dev.lemica.safetensors;

import java.nio.file.Path;

/** A checkpoint file that cannot be read as safetensors; the message names the file and the fault. */
public final class SafetensorsException extends RuntimeException {
  public SafetensorsException(Path file, String fault) {
    super(file + ": " + fault);
  }

  public SafetensorsException(Path file, String fault, Throwable cause) {
    super(file + ": " + fault, cause);
  }
}
