package dev.lemica.pipeline.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.cli.CliRunner;
import dev.lemica.io.StrictJson;
import dev.lemica.testing.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibration over prompts x seeds on the tiny Wan folder, schedules solved on the worst sample,
 * and an evaluation on prompts and seeds the calibration never saw.
 */
class RobustScheduleWorkflowTest {
  private static final Path FOLDER = Golden.dir("wan_pipeline_tiny");
  private static final String FOX = "a small red fox runs across the snowy field";
  private static final String CAT = "a black cat sleeps on the warm stone";
  private static final String[] SMALL = {"--height", "32", "--width", "32", "--frames", "5", "--steps", "5"};

  @TempDir static Path dir;
  static Path errors;

  private static String[] args(String command, String... rest) {
    List<String> all = new ArrayList<>(List.of(command, "--model", FOLDER.toString()));
    all.addAll(List.of(SMALL));
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  @BeforeAll
  static void calibrate() {
    errors = dir.resolve("errors.json");
    CliRunner r = CliRunner.run(args("calibrate", "--prompt", FOX, "--prompt", CAT, "--seeds", "3,4", "--max-skip", "2",
        "--edge-weight", "max", "--quiet", "--out", errors.toString()));
    assertEquals(0, r.exitCode(), r.err());
  }

  @Test
  void everyPromptRunsUnderEverySeedAndTheMatrixHoldsTheWorst() {
    JsonNode file = StrictJson.readObject(errors);
    assertEquals(List.of(FOX, FOX, CAT, CAT), texts(file.get("prompts")));
    assertEquals("[3,4,3,4]", file.get("seeds").toString());
    assertEquals("max", file.get("edge_weight").asText());
    JsonNode per = file.get("per_prompt");
    assertEquals(4, per.size());
    boolean differ = false;
    for (int[] e : new int[][] {{0, 2}, {1, 3}, {2, 4}}) {
      double max = 0;
      for (JsonNode m : per) {
        max = Math.max(max, m.get(e[0]).get(e[1]).asDouble());
        differ |= m.get(e[0]).get(e[1]).asDouble() != per.get(0).get(e[0]).get(e[1]).asDouble();
      }
      assertTrue(max > 0, "edge " + e[0] + "->" + e[1]);
      assertEquals(max, file.get("errors").get(e[0]).get(e[1]).asDouble(), 0, "edge " + e[0] + "->" + e[1]);
    }
    assertTrue(differ, "another seed or prompt gives other edge errors");
  }

  /** Sample (cat, seed 4) of the crossed calibration is what a calibration of that prompt with --seed 4 measures. */
  @Test
  void aSampleIsTheSingleRunOfItsPromptAndSeed() {
    Path single = dir.resolve("cat-4.json");
    CliRunner r = CliRunner.run(args("calibrate", "--prompt", CAT, "--seed", "4", "--max-skip", "2", "--quiet", "--out", single.toString()));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode alone = StrictJson.readObject(single).get("per_prompt").get(0);
    JsonNode crossed = StrictJson.readObject(errors).get("per_prompt").get(3);
    for (int[] e : new int[][] {{0, 2}, {1, 3}, {2, 4}}) {
      double a = alone.get(e[0]).get(e[1]).asDouble();
      assertEquals(a, crossed.get(e[0]).get(e[1]).asDouble(), 1e-3 * a, "edge " + e[0] + "->" + e[1]);
    }
  }

  @Test
  void solveReweighsTheSamplesAndRecordsHow() {
    Path max = dir.resolve("max.json");
    CliRunner r = CliRunner.run("solve", "--errors", errors.toString(), "--budget", "3", "--edge-weight", "max", "--out", max.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("max over 4 samples", StrictJson.readObject(max).get("provenance").get("edge_weight").asText());
    Path fox = dir.resolve("fox.json");
    r = CliRunner.run("solve", "--errors", errors.toString(), "--budget", "3", "--samples", "0-1", "--out", fox.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("mean over 2 samples", StrictJson.readObject(fox).get("provenance").get("edge_weight").asText());

    r = CliRunner.run("solve", "--errors", errors.toString(), "--budget", "3", "--edge-weight", "median");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--edge-weight: unknown edge weight 'median'"), r.err());
    r = CliRunner.run("solve", "--errors", errors.toString(), "--budget", "3", "--samples", "2-9");
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("sample 4 does not exist"), r.err());
  }

  @Test
  void evaluatesHeldOutPromptsAndSeedsWithTheWorstSample() {
    Path report = dir.resolve("report.json");
    CliRunner r = CliRunner.run(args("evaluate", "--prompt", "a white horse walks on the beach", "--seeds", "8,9", "--budgets", "3",
        "--policies", "lemica,uniform,magcache", "--errors", errors.toString(), "--edge-weight", "max", "--report", report.toString()));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = StrictJson.readObject(report);
    assertTrue(json.get("calibration_overlap").get("held_out").asBoolean(), json.get("calibration_overlap").toString());
    assertEquals(2, json.get("prompts").size());
    assertTrue(json.get("prompts").get(1).asText().endsWith("(seed 9)"), json.get("prompts").toString());
    JsonNode results = json.get("results");
    assertEquals(4, results.size(), "lex-minimax, min-sum, uniform and magcache at B=3");
    assertTrue(results.get(3).get("cache").asText().startsWith("magcache"), results.get(3).toString());
    assertTrue(results.get(3).get("block_stack_evaluations").asInt() < 10, "magcache reuses on some step and branch: " + results.get(3));
    for (JsonNode row : results) {
      double worst = Math.min(row.get("per_prompt").get(0).get("psnr").asDouble(), row.get("per_prompt").get(1).get("psnr").asDouble());
      assertEquals(worst, row.get("worst_psnr").asDouble(), 0, row.toString());
      assertTrue(row.get("worst_mae").asDouble() >= row.get("mae").asDouble(), row.toString());
    }
    JsonNode tallies = json.get("comparisons").get("tallies");
    assertEquals(2, tallies.size());
    assertEquals(8, tallies.get(0).get("comparisons").asInt(), "two opponents, four metrics, one budget");

    r = CliRunner.run(args("evaluate", "--prompt", FOX, "--seeds", "4", "--budgets", "3", "--policies", "lemica", "--errors", errors.toString(),
        "--samples", "0-1", "--report", report.toString()));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode overlap = StrictJson.readObject(report).get("calibration_overlap");
    assertFalse(overlap.get("held_out").asBoolean());
    assertEquals("[\"" + FOX + "\"]", overlap.get("shared_prompts").toString());
    assertEquals("[4]", overlap.get("shared_seeds").toString(), "the fox's samples were calibrated under seeds 3 and 4");
  }

  @Test
  void seedsAreRefusedWhereOneSampleIsMadeAndEdgeWeightsNeedAFile() {
    CliRunner r = CliRunner.run(args("generate", "--prompt", FOX, "--seeds", "1,2", "--out", dir.resolve("x.mp4").toString()));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("--seeds makes one sample per prompt and seed"), r.err());
    r = CliRunner.run(args("calibrate", "--prompt", FOX, "--seeds", "1,1", "--max-skip", "2", "--out", dir.resolve("y.json").toString()));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("--seeds lists a seed twice"), r.err());
    r = CliRunner.run(args("calibrate", "--prompt", FOX, "--edge-weight", "worst", "--max-skip", "2", "--out", dir.resolve("z.json").toString()));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("--edge-weight: unknown edge weight 'worst'"), r.err());
    r = CliRunner.run(args("calibrate", "--prompt", FOX, "--reuse", "scaled", "--max-skip", "2", "--out", dir.resolve("z.json").toString()));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("--reuse: unknown rule 'scaled' (known: plain, magnitude-ratio)"), r.err());
    r = CliRunner.run(args("evaluate", "--prompt", FOX, "--budgets", "3", "--edge-weight", "max"));
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("--edge-weight and --samples reweigh the per-sample errors of --errors FILE"), r.err());
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }
}
