package dev.lemica.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process and keeps what it printed to stderr. */
public record CliRunner(int exitCode, String err) {
  public static CliRunner run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = LemicaCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRunner(code, err.toString());
  }
}
