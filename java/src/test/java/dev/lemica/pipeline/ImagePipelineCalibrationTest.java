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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LeMiCa's workflow on the FLUX.1 and Qwen-Image folders: calibrate from prompts, then evaluate a budget. */
class ImagePipelineCalibrationTest {
  @TempDir Path dir;

  private static String[] args(String folder, String command, String... rest) {
    List<String> all = new ArrayList<>(List.of(command, "--model", Golden.dir(folder).toString(), "--prompt", "a small red fox",
        "--height", "32", "--width", "48", "--steps", "4", "--seed", "3", "--max-sequence-length", "32"));
    if (folder.startsWith("qwen")) {
      all.addAll(List.of("--negative-prompt", " "));
    }
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  @Test
  void calibrateAndEvaluateBothImagePipelines() {
    for (String folder : new String[] {"flux_pipeline_tiny", "qwenimage_pipeline_tiny"}) {
      Path errors = dir.resolve(folder + ".json");
      CliRunner r = CliRunner.run(args(folder, "calibrate", "--max-skip", "2", "--quiet", "--out", errors.toString()));
      assertEquals(0, r.exitCode(), folder + ": " + r.err());
      ErrorMatrix m = ErrorMatrix.read(errors);
      assertEquals(4, m.steps());
      assertTrue(m.error(0, 2) > 0, folder + ": a reuse over a step changes the output");
      JsonNode saved = StrictJson.readObject(errors);
      assertTrue(saved.path("sampler").asText().startsWith("FlowMatchEulerDiscreteScheduler"), saved.path("sampler").asText());
      Path table = dir.resolve(folder + ".md");
      r = CliRunner.run(args(folder, "evaluate", "--budgets", "3", "--policies", "lemica,uniform", "--errors", errors.toString(),
          "--table", table.toString()));
      assertEquals(0, r.exitCode(), folder + ": " + r.err());
      assertTrue(Files.exists(table));
    }
  }
}
