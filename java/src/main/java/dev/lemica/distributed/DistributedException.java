package dev.lemica.distributed;

/**
 * A multi-process run cannot go on: a rank never joined, exited, or stopped answering. The message
 * is one line that says which rank saw what, and why the run stopped.
 */
public final class DistributedException extends IllegalStateException {
  public DistributedException(String message) {
    super(message);
  }

  /**
   * One line for a failed collective from c10d's message (multi-line, with source paths): a peer
   * that closed its connection exited or died; a timeout means one is stuck or gone.
   */
  static DistributedException collective(String where, String operation, RuntimeException cause) {
    String first = cause.getMessage() == null ? cause.toString() : cause.getMessage().lines().findFirst().orElse("");
    String lower = first.toLowerCase(java.util.Locale.ROOT);
    String why;
    if (lower.contains("connection closed") || lower.contains("connection reset") || lower.contains("broken pipe")) {
      why = "a peer closed its connection (a rank exited or died)";
    } else if (lower.contains("timed out") || lower.contains("timeout")) {
      why = "timed out (a rank is stuck or gone)";
    } else {
      // c10d prefixes its messages with "[source/path.cc:123] ".
      why = first.replaceFirst("^\\[[^\\]]*\\]\\s*", "");
    }
    return new DistributedException(where + ": " + operation + " failed: " + why);
  }
}
