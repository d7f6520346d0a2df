package dev.lemica.io;

import java.util.function.Consumer;

/**
 * Where the library says what a user should know but that does not stop the work (a prompt word the
 * tokenizer does not know, a schedule made under another sampler, a frame count rounded). The CLI
 * prints them to stderr, the default; an application may route them elsewhere.
 */
public final class Warnings {
  private static volatile Consumer<String> sink = line -> System.err.println("warning: " + line);

  private Warnings() {}

  public static void warn(String line) {
    sink.accept(line);
  }

  /** Replaces the sink; returns the previous one so a caller (or a test) can restore it. */
  public static Consumer<String> routeTo(Consumer<String> newSink) {
    Consumer<String> old = sink;
    sink = newSink;
    return old;
  }
}
