package dev.lemica.kernels;

/** A native kernel refused or failed a call; {@link #code()} is the C API's LEMICA_ERR_* code. */
public final class KernelException extends RuntimeException {
  private final int code;

  public KernelException(int code, String message) {
    super(message);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
