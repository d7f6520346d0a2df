package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.cli.CliRunner;
import dev.lemica.io.StrictJson;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LeMiCa's workflow (calibrate, solve, evaluate) on the CogVideoX and Latte pipeline folders, whose samplers index by step, not sigma. */
class VideoPipelinesCalibrationTest {
  @TempDir Path dir;

  private static String[] args(String folder, String size, String command, String... rest) {
    List<String> all = new ArrayList<>(List.of(command, "--model", Golden.dir(folder).toString(), "--prompt", "a panda plays in the forest"));
    String[] hwf = size.split("x");
    all.addAll(List.of("--height", hwf[1], "--width", hwf[0], "--frames", hwf[2], "--steps", "5", "--seed", "3"));
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  @ParameterizedTest
  @CsvSource({"cogvideox_pipeline_tiny, 48x32x9, CogVideoXDDIMScheduler", "latte_pipeline_tiny, 32x32x4, DDIMScheduler"})
  void calibrateSolveAndEvaluate(String folder, String size, String sampler) {
    Path errors = dir.resolve("errors.json");
    CliRunner r = CliRunner.run(args(folder, size, "calibrate", "--max-skip", "2", "--quiet", "--out", errors.toString()));
    assertEquals(0, r.exitCode(), r.err());
    ErrorMatrix m = ErrorMatrix.read(errors);
    assertEquals(5, m.steps());
    assertTrue(m.error(1, 3) > 0, "a reuse over two steps changes the output");
    JsonNode saved = StrictJson.readObject(errors);
    assertTrue(saved.path("sampler").asText().startsWith(sampler), saved.path("sampler").asText());
    assertEquals(size, saved.path("video").asText());

    Path table = dir.resolve("table.md");
    r = CliRunner.run(args(folder, size, "evaluate", "--budgets", "3", "--policies", "lemica,uniform", "--errors", errors.toString(), "--table", table.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.exists(table));
  }
}
