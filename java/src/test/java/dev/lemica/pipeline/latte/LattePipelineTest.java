package dev.lemica.pipeline.latte;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.FullCompute;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.Generation;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.PipelineListener;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.pipeline.Residency;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The Latte pipeline through the Java API on the golden tiny folder. */
class LattePipelineTest {
  private static final Path FOLDER = Golden.dir("latte_pipeline_tiny");
  private static final List<String> PROMPTS = List.of("A small cactus with a happy face in the Sahara desert", "  Two Dogs run along the quiet beach at dawn ");

  @Test
  void defaultsComeFromLattePipelineAndTheFolder() {
    try (PointerScope scope = new PointerScope();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      assertInstanceOf(LattePipeline.class, p);
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("x")));
      assertEquals(512, s.height());
      assertEquals(512, s.width());
      assertEquals(4, s.frames(), "the transformer's video_length");
      assertEquals(50, s.steps());
      assertEquals(7.5, s.guidance());
      assertEquals(120, s.maxSequenceLength());
      assertTrue(Double.isNaN(s.shift()));
      assertEquals(List.of(""), s.negativePrompts());
      assertEquals(8, p.fps());
      assertTrue(p.samplerName(s).startsWith("DDIMScheduler"), p.samplerName(s));
      assertEquals(List.of(1L, 4L, 4L, 64L, 64L), Arrays.stream(p.noiseShape(s)).boxed().toList());
      assertEquals(1, p.resolve(GenerationRequest.of(List.of("x")).withSize(32, 48, 1)).frames(), "one frame: the image case");
      assertThrows(IllegalArgumentException.class, () -> p.resolve(GenerationRequest.of(List.of("x")).withSize(64, 64, 3)));
      assertFalse(p.guidance(p.resolve(GenerationRequest.of(List.of("x")).withGuidance(1.0))).guided());
    }
  }

  /** The golden's embeddings (masked for a batch; cut to the prompt's tokens for one prompt) and its run. */
  @Test
  void theApiReproducesTheGoldenRun() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        LattePipeline p = LattePipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32, Residency.KEEP)) {
      GenerationSettings s = p.resolve(GenerationRequest.of(PROMPTS).withSize(64, 64, 4).withSteps(8));
      Conditioning text = p.encode(s);
      Tensor embeds = torch.cat(new TensorVector(text.uncond().get("encoder_hidden_states"), text.cond().get("encoder_hidden_states")), 0);
      double e = Tensors.relativeL2(embeds, io.tensor("out.prompt_embeds"));
      assertTrue(e < 1e-5, "prompt embeds differ by " + e);
      // One prompt: both embeddings are the encoder's first 12 rows (11 words and </s>), unmasked.
      Conditioning one = p.encode(s.rows(0, 1));
      Tensor cond = one.cond().get("encoder_hidden_states");
      assertEquals("[1, 12, 32]", Tensors.shapeString(cond));
      assertTrue(Tensors.relativeL2(cond, io.tensor("act.prompt_last_hidden_state").narrow(0, 0, 1).narrow(1, 0, 12)) < 1e-5);
      assertTrue(Tensors.relativeL2(one.uncond().get("encoder_hidden_states"), io.tensor("act.negative_last_hidden_state").narrow(0, 0, 1).narrow(1, 0, 12)) < 1e-5,
          "the negative is cut to the prompt's length, its own mask ignored");
      Generation run = p.generate(s, io.tensor("in.noise"), FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, PipelineListener.NONE);
      double latents = Tensors.relativeL2(run.sampling().latents(), io.tensor("out.latents"));
      double video = Tensors.relativeL2(run.videos(), io.tensor("out.video"));
      assertTrue(latents < 1e-4 && video < 1e-4, "latents " + latents + ", video " + video);
    }
  }

  /** Rows of a batch do not interact: the prompts swapped (with their noise) give the rows swapped; one frame, another size, a schedule. */
  @Test
  void swappingThePromptsSwapsTheVideos() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        LattePipeline p = LattePipeline.open(ModelIndex.read(FOLDER), ComputeTarget.CPU_FLOAT32, Residency.KEEP)) {
      GenerationSettings s = p.resolve(GenerationRequest.of(PROMPTS).withSize(32, 48, 1).withSteps(3));
      GenerationSettings swapped = p.resolve(GenerationRequest.of(List.of(PROMPTS.get(1), PROMPTS.get(0))).withSize(32, 48, 1).withSteps(3));
      torch.manual_seed(4);
      Tensor noise = torch.randn(p.noiseShape(s));
      Tensor noiseSwapped = torch.cat(new TensorVector(noise.narrow(0, 1, 1), noise.narrow(0, 0, 1)), 0);
      StaticSchedulePolicy policy = new StaticSchedulePolicy(Schedule.of(3, 0, 2));
      Tensor a = p.generate(s, noise, policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE).videos();
      Tensor b = p.generate(swapped, noiseSwapped, policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE).videos();
      assertEquals("[2, 3, 1, 32, 48]", Tensors.shapeString(a));
      for (int i = 0; i < 2; i++) {
        double d = Tensors.relativeL2(a.narrow(0, i, 1), b.narrow(0, 1 - i, 1));
        assertTrue(d < 1e-5, "row " + i + " differs by " + d);
      }
      assertTrue(Tensors.relativeL2(a.narrow(0, 0, 1), a.narrow(0, 1, 1)) > 1e-2, "the two prompts make different videos");
    }
  }
}
