package dev.lemica.pipeline.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.cli.CliRunner;
import dev.lemica.io.StrictJson;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LeMiCa's workflow on an Open-Sora folder: calibrate under RFLOW, evaluate LeMiCa against uniform, help that names Open-Sora. */
class OpenSoraPipelineCalibrationTest {
  private static final Path FOLDER = Golden.dir("opensora_pipeline_tiny");

  @TempDir Path dir;

  private static String[] args(String command, String... rest) {
    String[] head = {command, "--model", FOLDER.toString(), "--prompt", "a small red fox runs across the snowy field", "--frames", "1", "--steps", "5", "--seed", "3"};
    String[] all = new String[head.length + rest.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(rest, 0, all, head.length, rest.length);
    return all;
  }

  @Test
  void calibrateAndEvaluateAnOpenSoraFolder() {
    Path errors = dir.resolve("errors.json");
    CliRunner r = CliRunner.run(args("calibrate", "--max-skip", "3", "--quiet", "--out", errors.toString()));
    assertEquals(0, r.exitCode(), r.err());
    ErrorMatrix m = ErrorMatrix.read(errors);
    assertEquals(5, m.steps());
    assertTrue(m.error(1, 4) > 0, "a reuse over two steps changes the output");
    JsonNode saved = StrictJson.readObject(errors);
    assertTrue(saved.path("sampler").asText().startsWith("RFLOW(timestep transform 32x40, 1 frames"), saved.path("sampler").asText());
    assertEquals("40x32x1", saved.path("video").asText());

    Path table = dir.resolve("table.md");
    r = CliRunner.run(args("evaluate", "--budgets", "4", "--policies", "lemica,uniform", "--errors", errors.toString(), "--table", table.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.exists(table));
  }

  @Test
  void generateHelpNamesOpenSoraAndItsDefaults() {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cli = dev.lemica.cli.LemicaCli.commandLine();
    cli.setOut(new java.io.PrintWriter(out, true));
    assertEquals(0, cli.execute("generate", "--help"));
    String help = out.toString().replaceAll("\\s+", " ");
    for (String s : new String[] {"Open-Sora 1.2 folder", "inference.json", "sample.py", "240x426, 51 frames, 30 RFLOW steps, cfg 7.0"}) {
      assertTrue(help.contains(s), "help lacks '" + s + "'");
    }
  }
}
