package dev.lemica.pipeline.wan;

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

/** LeMiCa's workflow on a real pipeline folder: calibrate, solve, evaluate, as on the embedded model. */
class WanPipelineCalibrationTest {
  private static final Path FOLDER = Golden.dir("wan_pipeline_tiny");
  private static final String[] SMALL = {"--height", "32", "--width", "48", "--frames", "9", "--steps", "6", "--seed", "3"};

  @TempDir Path dir;

  private static String[] args(String command, String... rest) {
    String[] head = {command, "--model", FOLDER.toString(), "--prompt", "a small red fox runs across the snowy field"};
    String[] all = new String[head.length + SMALL.length + rest.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(SMALL, 0, all, head.length, SMALL.length);
    System.arraycopy(rest, 0, all, head.length + SMALL.length, rest.length);
    return all;
  }

  @Test
  void calibrateSolveAndEvaluateAWanFolder() {
    Path errors = dir.resolve("errors.json");
    CliRunner r = CliRunner.run(args("calibrate", "--max-skip", "3", "--quiet", "--out", errors.toString()));
    assertEquals(0, r.exitCode(), r.err());
    ErrorMatrix m = ErrorMatrix.read(errors);
    assertEquals(6, m.steps());
    assertTrue(m.error(1, 4) > 0, "a reuse over two steps changes the output");
    JsonNode saved = StrictJson.readObject(errors);
    assertTrue(saved.path("sampler").asText().startsWith("UniPCMultistepScheduler"), saved.path("sampler").asText());
    assertEquals("48x32x9", saved.path("video").asText());

    Path table = dir.resolve("table.md");
    r = CliRunner.run(args("evaluate", "--budgets", "4", "--policies", "lemica,uniform", "--errors", errors.toString(), "--table", table.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.exists(table));
  }

  @Test
  void aCalibrationResumesOnlyAtTheSameSize() {
    Path errors = dir.resolve("errors.json");
    assertEquals(0, CliRunner.run(args("calibrate", "--max-skip", "2", "--quiet", "--out", errors.toString())).exitCode());
    String[] other = args("calibrate", "--max-skip", "2", "--quiet", "--out", errors.toString());
    other[java.util.Arrays.asList(other).indexOf("48")] = "64";
    CliRunner r = CliRunner.run(other);
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("video"), r.err());
  }
}
