package dev.lemica.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process and keeps what it printed to stderr and stdout. */
public record CliRunner(int exitCode, String err, String out) {
  /**
   * The house rule for a bad folder or flag: exit code 1, one line on stderr holding every
   * {@code expected} part, and {@code notWritten} (the run's output) not created.
   */
  public void assertOneLineError(java.nio.file.Path notWritten, String... expected) {
    org.junit.jupiter.api.Assertions.assertEquals(1, exitCode, err);
    org.junit.jupiter.api.Assertions.assertEquals(1, err.lines().count(), "one line: " + err);
    for (String e : expected) {
      org.junit.jupiter.api.Assertions.assertTrue(err.contains(e), "expected '" + e + "' in: " + err);
    }
    org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.notExists(notWritten), "nothing written");
  }

  public static CliRunner run(String... args) {
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    CommandLine cli = LemicaCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(out, true));
    int code = cli.execute(args);
    return new CliRunner(code, err.toString(), out.toString());
  }
}
