package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.Schedule;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.torch.Tensors;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Residuals are kept per batch element: a batch of two prompts under a cached schedule equals each
 * prompt run alone, whether CFG branches are batched or separate.
 */
class BatchEquivalenceTest {
  @ParameterizedTest
  @EnumSource(GuidedDenoiser.Branches.class)
  void batchOfTwoEqualsTwoSingleRuns(GuidedDenoiser.Branches branches) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        TextToVideoPipeline pipeline = TextToVideoPipeline.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32)) {
      SamplerSettings settings = pipeline.defaults().withOverrides(8, null, null);
      CachePolicy policy = new StaticSchedulePolicy(Schedule.of(8, 0, 1, 4, 7));
      PromptEmbeddings both = pipeline.encode(List.of("red circle moving right", "blue square staying still"));
      torch.manual_seed(7);
      Tensor noise = torch.randn(2, 3, 8, 32, 32);

      Tensor batched = pipeline.generate(both, noise, settings, policy, branches, StepListener.NONE).samples();
      for (int i = 0; i < 2; i++) {
        Tensor alone =
            pipeline.generate(both.rows(i, i + 1), noise.narrow(0, i, 1), settings, policy, branches, StepListener.NONE).samples();
        double err = Tensors.relativeL2(batched.narrow(0, i, 1), alone);
        assertTrue(err < 1e-5, "prompt " + i + " differs from its single run by " + err);
      }
      double between = Tensors.relativeL2(batched.narrow(0, 0, 1), batched.narrow(0, 1, 1));
      assertTrue(between > 0.1, "the two prompts give different videos (" + between + ")");
    }
  }
}
