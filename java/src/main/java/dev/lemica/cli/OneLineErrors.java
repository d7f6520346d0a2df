package dev.lemica.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Users get one line naming the file and the fault, not a stack trace; {@code LEMICA_DEBUG=1}
 * brings the trace back for developers.
 */
final class OneLineErrors implements IExecutionExceptionHandler {
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  /** A flag the command line cannot parse: one line, and where the full usage is, not the usage itself. */
  static int parameterError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    cmd.getErr().println("error: " + e.getMessage().replaceFirst("^Error: ", "") + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
    cmd.getErr().flush();
    return EXIT_USAGE;
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    cmd.getErr().println("error: " + message.lines().findFirst().orElse(message));
    if (System.getenv("LEMICA_DEBUG") != null) {
      e.printStackTrace(cmd.getErr());
    }
    cmd.getErr().flush();
    return EXIT_FAILURE;
  }
}
