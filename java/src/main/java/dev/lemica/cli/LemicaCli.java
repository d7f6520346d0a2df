package dev.lemica.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./lemica}: one subcommand per job. */
@Command(
    name = "lemica",
    mixinStandardHelpOptions = true,
    version = "lemica 0.1.0",
    description = "LeMiCa: lexicographic minimax path caching for diffusion transformers.",
    subcommands = {
      CommandLine.HelpCommand.class,
      GenerateCommand.class,
      CalibrateCommand.class,
      SolveCommand.class,
      PoolCommand.class,
      EvaluateCommand.class,
      SampleCommand.class,
      BenchCommand.class,
      ForwardCommand.class,
      EncodeCommand.class,
      DecodeCommand.class,
      LaunchCommand.class
    })
public final class LemicaCli {

  public static void main(String[] args) {
    dev.lemica.torch.NativeMemoryLimit.lift(); // before anything touches JavaCPP
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code instead of exiting, so tests can call it. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line, for callers that redirect its output. */
  public static CommandLine commandLine() {
    CommandLine cli =
        new CommandLine(new LemicaCli())
            .setExecutionExceptionHandler(new OneLineErrors())
            .setParameterExceptionHandler(OneLineErrors::parameterError);
    // Everything after `launch [options] COMMAND` belongs to that command.
    cli.getSubcommands().get("launch").setStopAtPositional(true);
    return cli;
  }
}
