package dev.lemica.pipeline.qwenimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ImagePipelineGolden;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.sampling.NormRescaledGuidance;
import dev.lemica.testing.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/** The Qwen-Image pipeline through the Java API on the golden tiny folder. */
class QwenImagePipelineTest {
  private static final Path FOLDER = Golden.dir("qwenimage_pipeline_tiny");

  @Test
  void defaultsComeFromQwenImagePipelineAndTheFolder() {
    List<String> warnings = new ArrayList<>();
    var previous = Warnings.routeTo(warnings::add);
    try (PointerScope scope = new PointerScope();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      assertInstanceOf(QwenImagePipeline.class, p);
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("x")).withNegativePrompts(List.of(" ")));
      assertEquals(1024, s.height());
      assertEquals(1024, s.width());
      assertEquals(50, s.steps());
      assertEquals(4.0, s.guidance(), "true_cfg_scale");
      assertEquals(512, s.maxSequenceLength());
      assertEquals(new NormRescaledGuidance(4.0), p.guidance(s));
      assertEquals(List.of(1L, 4096L, 64L), Arrays.stream(p.noiseShape(s)).boxed().toList());
      assertTrue(warnings.isEmpty(), warnings.toString());
      // As diffusers: no negative prompt, no true CFG (and a warning saying so).
      GenerationSettings none = p.resolve(GenerationRequest.of(List.of("x")));
      assertFalse(p.guidance(none).guided());
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.get(0).contains("--negative-prompt"), warnings.get(0));
    } finally {
      Warnings.routeTo(previous);
    }
  }

  @Test
  void aBatchOfTwoPromptsMatchesDiffusersAndEqualsTwoSingleRuns() {
    ImagePipelineGolden.batchMatchesGoldenAndSingleRuns(
        FOLDER,
        GenerationRequest.of(List.of("A small red fox, sitting in the snow at dawn.", "3 cats play..."))
            .withNegativePrompts(List.of(" ")).withSize(64, 80, null).withSteps(8).withGuidance(4.0));
  }
}
