package dev.lemica.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.model.ForwardInputs;
import dev.lemica.pipeline.SamplerSettings;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.schedule.Schedule;
import dev.lemica.text.PromptEmbeddings;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Native memory is invisible to the GC, so a forgotten scope shows up only as growing RSS. One
 * leaked forward of the embedded model is several MB; these loops would grow by hundreds.
 */
class NativeMemoryTest {
  static long rss() {
    System.gc();
    return Pointer.physicalBytes();
  }

  @Test
  void twoHundredForwardsKeepRssFlat() {
    try (InferenceMode inference = new InferenceMode();
        DiffusionTransformer model = dev.lemica.model.Models.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32)) {
      torch.manual_seed(5);
      Tensor x = torch.randn(1, 3, 8, 32, 32);
      Tensor text = torch.randn(1, 8, 64);
      Tensor t = torch.full(new long[] {1}, new Scalar(500.0), new org.bytedeco.pytorch.DimnameListOptional(), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float));
      ForwardInputs in = ForwardInputs.of(Map.of("hidden_states", x, "encoder_hidden_states", text, "timestep", t));
      long after10 = 0;
      for (int i = 0; i < 200; i++) {
        try (PointerScope scope = new PointerScope()) {
          model.forward(in);
        }
        if (i == 9) {
          after10 = rss();
        }
      }
      long end = rss();
      double growth = (double) (end - after10) / after10;
      System.out.printf("RSS after 10 forwards %d MB, after 200 %d MB (%+.2f%%)%n", after10 >> 20, end >> 20, 100 * growth);
      assertTrue(growth < 0.05, "RSS grew " + 100 * growth + "% over 190 forwards");
    }
  }

  @ParameterizedTest
  @EnumSource(value = GuidedDenoiser.Branches.class, names = {"BATCHED", "PARALLEL"})
  void aThousandStepCachedRunKeepsRssFlat(GuidedDenoiser.Branches branches) {
    try (PointerScope outer = new PointerScope();
        InferenceMode inference = new InferenceMode();
        TextToVideoPipeline pipeline = TextToVideoPipeline.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32)) {
      PromptEmbeddings text = pipeline.encode(List.of("yellow circle moving up"));
      torch.manual_seed(6);
      Tensor noise = torch.randn(1, 3, 8, 32, 32);
      long[] marks = new long[2];
      SamplerSettings settings = pipeline.defaults().withOverrides(1000, null, null);
      pipeline.generate(
          text, noise, settings, new StaticSchedulePolicy(Schedule.uniform(1000, 40)), branches,
          (step, steps, computed) -> {
            if (step == 100) {
              marks[0] = rss();
            } else if (step == steps - 1) {
              marks[1] = rss();
            }
          });
      double growth = (double) (marks[1] - marks[0]) / marks[0];
      System.out.printf("RSS at step 100 %d MB, at step 999 %d MB (%+.2f%%)%n", marks[0] >> 20, marks[1] >> 20, 100 * growth);
      assertTrue(growth < 0.05, "RSS grew " + 100 * growth + "% over 900 cached steps");
    }
  }
}
