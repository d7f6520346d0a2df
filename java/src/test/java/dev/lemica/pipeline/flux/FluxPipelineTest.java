package dev.lemica.pipeline.flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ImagePipelineGolden;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FLUX pipeline through the Java API on the golden tiny folder. */
class FluxPipelineTest {
  private static final Path FOLDER = Golden.dir("flux_pipeline_tiny");

  @TempDir Path dir;

  @Test
  void defaultsComeFromFluxPipelineAndTheFolder() {
    try (PointerScope scope = new PointerScope();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      assertInstanceOf(FluxPipeline.class, p);
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("x")));
      assertEquals(1024, s.height());
      assertEquals(1024, s.width());
      assertEquals(1, s.frames());
      assertEquals(28, s.steps());
      assertEquals(3.5, s.guidance(), "the distilled guidance input");
      assertEquals(512, s.maxSequenceLength());
      assertTrue(Double.isNaN(s.shift()), "the shift comes from the image size");
      assertFalse(p.guidance(s).guided(), "one branch");
      // 1024x1024 packs to 64x64 = 4096 tokens: mu = max_shift 1.15.
      assertEquals(List.of(1L, 4096L, 64L), Arrays.stream(p.noiseShape(s)).boxed().toList());
      assertTrue(p.samplerName(s).contains("mu 1.15"), p.samplerName(s));
    }
  }

  @Test
  void aBatchOfTwoPromptsMatchesDiffusersAndEqualsTwoSingleRuns() {
    ImagePipelineGolden.batchMatchesGoldenAndSingleRuns(
        FOLDER,
        GenerationRequest.of(List.of("A red fox runs across the snowy field at dawn", "two  cats\tplay in the quiet garden"))
            .withSize(48, 64, null).withSteps(8).withGuidance(3.5));
  }

  @Test
  void aBudgetWithoutCalibrationRunsAUniformSchedule() {
    Path png = dir.resolve("budget.png");
    CliRunner r =
        CliRunner.run("generate", "--model", FOLDER.toString(), "--prompt", "a red fox", "--height", "32", "--width", "32", "--steps", "4",
            "--budget", "2", "--seed", "3", "--out", png.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.isRegularFile(png));
  }
}
