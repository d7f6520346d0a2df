package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
  @TempDir Path dir;

  @Test
  void comparesPoliciesAndWritesReportAndPlot() throws IOException {
    Path report = dir.resolve("r.json");
    Path plot = dir.resolve("p.png");
    Path frames = dir.resolve("frames.png");
    CliRunner r =
        CliRunner.run(
            "evaluate", "--prompt", "white square moving left", "--steps", "5", "--budgets", "3",
            "--policies", "uniform,fewer-steps,teacache,fbcache", "--schedule", "0,1,2,3,4", "--report", report.toString(), "--plot", plot.toString(),
            "--frames-png", frames.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode results = new ObjectMapper().readTree(Files.readString(report)).get("results");
    assertEquals(5, results.size());
    JsonNode full = results.get(4);
    assertEquals(100.0, full.get("psnr").asDouble(), 1e-9, "the all-steps schedule equals the full run");
    for (int i = 0; i < 4; i++) {
      assertTrue(results.get(i).get("psnr").asDouble() < 100.0, results.get(i).toString());
    }
    assertEquals("fewer steps", results.get(1).get("policy").asText());
    assertEquals(6, results.get(1).get("block_stack_evaluations").asInt(), "3 steps x 2 CFG branches");
    JsonNode fbcache = results.get(3);
    assertEquals("fbcache", fbcache.get("policy").asText());
    assertTrue(fbcache.get("cache").asText().startsWith("fbcache "), fbcache.toString());
    int evaluations = fbcache.get("block_stack_evaluations").asInt();
    // Tuned on the full run to about 3 of 5 steps per branch; the first and last always compute.
    assertTrue(evaluations >= 4 && evaluations < 10, "fbcache computes the ends and reuses somewhere: " + fbcache);
    assertTrue(Files.size(plot) > 1000);
    java.awt.image.BufferedImage strip = javax.imageio.ImageIO.read(frames.toFile());
    assertEquals(5 * 32 * 3 + 3 * 4, strip.getHeight(), "full + four policies at B=3, one row each");
  }

  @Test
  void printsEachPromptsScoresWhenAsked() throws IOException {
    Path table = dir.resolve("t.md");
    Path schedule = dir.resolve("mine-b3.json");
    dev.lemica.schedule.ScheduleFile.solved(
            dev.lemica.schedule.Schedule.of(4, 0, 1, 3), "lex-minimax", null, null,
            dev.lemica.schedule.Provenance.fromErrors("errors.json", null, 4, java.util.Map.of()))
        .write(schedule);
    CliRunner r = CliRunner.run("evaluate", "--prompt", "red circle", "--prompt", "blue square", "--steps", "4", "--budgets", "3",
        "--policies", "uniform", "--per-prompt", "--table", table.toString(), "--schedule", schedule.toString(), "--schedule", "0,2,3");
    assertEquals(0, r.exitCode(), r.err());
    String text = Files.readString(table);
    assertTrue(text.contains("|   red circle |") && text.contains("|   blue square |"), text);
    // A schedule file's row carries the file's name; a list's, its steps.
    assertTrue(text.contains("| schedule mine-b3.json | 3 |") && text.contains("| schedule 0,2,3 | 3 |"), text);
  }

  @Test
  void rejectsUnknownPoliciesAndEmptyRequests() {
    CliRunner r = CliRunner.run("evaluate", "--prompt", "x", "--budgets", "3", "--policies", "magic");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("unknown policy 'magic'"), r.err());
    r = CliRunner.run("evaluate", "--prompt", "x");
    assertTrue(r.err().contains("nothing to evaluate"), r.err());
  }
}
