package dev.lemica.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** The house rule for bad input: an IllegalArgumentException whose message is one line, starting with the file (or tensor) and saying the fault. */
public final class OneLine {
  private OneLine() {}

  public static void assertOneLine(String start, String contains, Executable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
    String m = e.getMessage();
    assertEquals(1, m.lines().count(), m);
    assertTrue(m.startsWith(start), m);
    assertTrue(m.contains(contains), m);
  }
}
