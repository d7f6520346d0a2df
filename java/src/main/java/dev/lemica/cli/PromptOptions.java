package dev.lemica.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** --prompt (repeatable) or --prompts FILE (one per line; blank lines and # comments skipped). */
final class PromptOptions {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Choice choice;

  static final class Choice {
    @Option(names = "--prompt", required = true, description = "A prompt; repeat for several.")
    List<String> prompts;

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Text file with one prompt per line (# starts a comment).")
    Path file;
  }

  List<String> prompts() {
    if (choice.prompts != null) {
      return choice.prompts;
    }
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(choice.file)) {
        String p = line.strip();
        if (!p.isEmpty() && !p.startsWith("#")) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(choice.file + ": cannot read prompts (" + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(choice.file + ": holds no prompts");
    }
    return out;
  }
}
