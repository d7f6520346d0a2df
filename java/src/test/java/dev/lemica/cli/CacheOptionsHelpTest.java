package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.schedule.PublishedSchedules;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** --help names every published schedule preset that --schedule resolves, and only those. */
class CacheOptionsHelpTest {
  @Test
  void helpListsEveryPreset() {
    StringWriter out = new StringWriter();
    CommandLine cli = LemicaCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.execute("generate", "--help");
    String help = out.toString().replaceAll("\\s+", " ");
    for (PublishedSchedules.Preset p : PublishedSchedules.all()) {
      String model = PublishedSchedules.PREFIX + p.model() + ":";
      int at = help.indexOf(model);
      assertTrue(at >= 0, model + " missing from --help");
      String budgets = help.substring(at + model.length()).split("[ ,(]")[0];
      assertTrue(java.util.List.of(budgets.split("\\|")).contains("B" + p.budget()), p.name() + " missing from --help: " + budgets);
    }
    for (String listed : help.split("lemica:")) {
      // every budget the help offers resolves
      if (listed.matches("^[a-z0-9.\\-]+:B\\d+.*")) {
        String model = listed.substring(0, listed.indexOf(':'));
        for (String b : listed.substring(model.length() + 1).split("[ ,(]")[0].split("\\|")) {
          assertTrue(PublishedSchedules.find(PublishedSchedules.PREFIX + model + ":" + b).isPresent(), model + ":" + b);
        }
      }
    }
  }
}
