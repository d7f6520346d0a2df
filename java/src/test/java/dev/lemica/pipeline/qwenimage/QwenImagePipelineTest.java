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

  /**
   * Our own settings: a non-square 32x48 image, and one negative prompt per prompt of different
   * lengths, so that the uncond branch is a padded, masked batch of its own (the list case of
   * encode_prompt). Each prompt alone, with its own negative prompt, equals its row of the batch.
   */
  @Test
  void negativePromptsPerPromptEqualSingleRuns() {
    try (PointerScope scope = new PointerScope();
        org.bytedeco.pytorch.InferenceMode inference = new org.bytedeco.pytorch.InferenceMode();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      GenerationSettings both =
          p.resolve(GenerationRequest.of(List.of("A small red fox, sitting in the snow at dawn.", "3 cats play..."))
              .withNegativePrompts(List.of("the snow at dawn", " ")).withSize(32, 48, null).withSteps(4));
      org.bytedeco.pytorch.global.torch.manual_seed(11);
      org.bytedeco.pytorch.Tensor noise = org.bytedeco.pytorch.global.torch.randn(p.noiseShape(both));
      var policy = new dev.lemica.cache.StaticSchedulePolicy(dev.lemica.schedule.Schedule.of(4, 0, 1, 3));
      var batch = p.generate(both, noise, policy, dev.lemica.sampling.GuidedDenoiser.Branches.SEPARATE, dev.lemica.pipeline.PipelineListener.NONE);
      for (int i = 0; i < 2; i++) {
        var single = p.generate(both.rows(i, i + 1), noise.narrow(0, i, 1), policy, dev.lemica.sampling.GuidedDenoiser.Branches.SEPARATE,
            dev.lemica.pipeline.PipelineListener.NONE);
        double d = dev.lemica.torch.Tensors.relativeL2(single.videos(), batch.videos().narrow(0, i, 1));
        assertTrue(d < 1e-5, "prompt " + i + " alone differs from its row of the batch by " + d);
      }
    }
  }
}
