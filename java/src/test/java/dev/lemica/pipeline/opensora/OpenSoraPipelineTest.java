package dev.lemica.pipeline.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.cache.FullCompute;
import dev.lemica.io.StrictJson;
import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.opensora.Stdit3Transformer;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.Generation;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.PipelineListener;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Sampler;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import dev.lemica.torch.Tensors;
import dev.lemica.video.Pixels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Open-Sora pipeline through the Java API: each stage of the golden run, and the defaults of sample.py. */
class OpenSoraPipelineTest {
  private static final Path FOLDER = Golden.dir("opensora_pipeline_tiny");
  private static final java.util.Set<String> SKIP = java.util.Set.of("io.safetensors", "meta.json");
  private static final List<String> PROMPTS = List.of(OpenSoraPipelineGoldenTest.PROMPTS);

  @TempDir Path dir;

  @Test
  void everyStageOfTheGoldenRun() {
    JsonNode meta = StrictJson.readObject(FOLDER.resolve("meta.json"));
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      OpenSoraPipeline os = assertInstanceOf(OpenSoraPipeline.class, p);
      GenerationSettings s = p.resolve(GenerationRequest.of(PROMPTS));
      assertEquals(List.of(32, 40, 22, 10, 18), List.of(s.height(), s.width(), s.frames(), s.steps(), s.maxSequenceLength()));
      assertEquals(7.0, s.guidance());
      assertEquals(24, p.fps());
      assertEquals(List.of(2L, 4L, 7L, 4L, 5L), Arrays.stream(p.noiseShape(s)).boxed().toList());

      List<String> expectedTexts = new ArrayList<>();
      meta.path("prompts").path("to_text_encoder").forEach(t -> expectedTexts.add(t.asText()));
      assertEquals(expectedTexts, os.textsForEncoder(PROMPTS));

      Conditioning c = p.encode(s);
      assertTrue(Tensors.relativeL2(c.cond().get(Stdit3Transformer.Y), io.tensor("out.y").narrow(0, 0, 2)) < 1e-6, "prompt embeddings");
      assertTrue(Tensors.relativeL2(c.uncond().get(Stdit3Transformer.Y), io.tensor("out.y_null")) == 0, "null caption = y_embedding per prompt");
      assertTrue(c.cond().get(Stdit3Transformer.MASK).equal(io.tensor("in.attention_mask")), "attention mask");
      assertTrue(c.uncond().get(Stdit3Transformer.MASK).equal(io.tensor("out.mask")), "the uncond branch keeps the prompt's mask");
      for (String arg : List.of("fps", "height", "width")) {
        assertTrue(c.cond().get(arg).equal(io.tensor("out.model_args." + arg)), arg);
      }

      Sampler sampler = p.sampler(s);
      float[] timesteps = Tensors.toFloats(io.tensor("out.timesteps"));
      for (int i = 0; i < timesteps.length; i++) {
        assertEquals(timesteps[i], (float) sampler.timestep(i), 0f, "timestep " + i);
      }

      Generation g = p.generate(s, io.tensor("in.noise"), FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, PipelineListener.NONE);
      assertTrue(Tensors.relativeL2(g.latents(), io.tensor("out.latents")) < 1e-4);
      assertTrue(Tensors.relativeL2(g.videos(), io.tensor("out.video")) < 1e-4);
      // save_sample rounds ((x + 1) / 2 · 255 + 0.5, truncated), which the pipeline asks its video files for:
      // the frames agree to one level (float rounding at the .5 boundaries), and nearly all exactly; truncation would not.
      assertEquals(Pixels.Rounding.ROUND, p.frameRounding());
      Tensor expected = io.tensor("out.frames").to(ScalarType.Float);
      Tensor diff = Pixels.toRgb8(g.videos(), p.frameRounding()).to(ScalarType.Float).sub(expected).abs();
      assertTrue(diff.max().item_double() <= 1, "frames differ by " + diff.max().item_double() + " levels");
      double exact = diff.eq(new org.bytedeco.pytorch.Scalar(0)).to(ScalarType.Float).mean().item_double();
      double exactIfTruncated = Pixels.toRgb8(g.videos(), Pixels.Rounding.TRUNCATE).to(ScalarType.Float).sub(expected)
          .eq(new org.bytedeco.pytorch.Scalar(0)).to(ScalarType.Float).mean().item_double();
      System.out.printf("frames equal to save_sample's: %.5f rounded, %.5f truncated%n", exact, exactIfTruncated);
      assertTrue(exact > 0.999 && exactIfTruncated < 0.9, exact + " / " + exactIfTruncated);
    }
  }

  /**
   * Another size than the golden's (24x40 pixels: a 3x5 latent padded to the patch; 20 frames: 6
   * latent frames, two VAE micro-chunks, the second cropped), cached: each prompt alone (CFG as two
   * forwards) equals its row of the batch (CFG as one forward of 2B, prompts of different lengths).
   */
  @Test
  void aBatchOfTwoEqualsTwoSingleRunsAtAnotherSizeUnderASchedule() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      GenerationSettings both = p.resolve(GenerationRequest.of(PROMPTS).withSize(24, 40, 20).withSteps(4));
      assertEquals(List.of(2L, 4L, 6L, 3L, 5L), Arrays.stream(p.noiseShape(both)).boxed().toList());
      org.bytedeco.pytorch.global.torch.manual_seed(7);
      Tensor noise = org.bytedeco.pytorch.global.torch.randn(p.noiseShape(both));
      var policy = new dev.lemica.cache.StaticSchedulePolicy(dev.lemica.schedule.Schedule.of(4, 0, 1, 3));
      Generation batch = p.generate(both, noise, policy, GuidedDenoiser.Branches.BATCHED, PipelineListener.NONE);
      assertEquals(List.of(2L, 3L, 20L, 24L, 40L), Arrays.stream(Tensors.shape(batch.videos())).boxed().toList());
      for (int i = 0; i < 2; i++) {
        Generation single =
            p.generate(both.rows(i, i + 1), noise.narrow(0, i, 1), policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE);
        double d = Tensors.relativeL2(single.videos(), batch.videos().narrow(0, i, 1));
        assertTrue(d < 1e-5, "prompt " + i + " alone differs from its row of the batch by " + d);
      }
      double rows = Tensors.relativeL2(batch.latents().narrow(0, 0, 1), batch.latents().narrow(0, 1, 1));
      assertTrue(rows > 0.1, "the prompts make different videos: " + rows);
    }
  }

  /**
   * Open-Sora's own dtype (sample.py: bf16): the model arguments, and with them the RFLOW transform,
   * are bf16 as prepare_multi_resolution_info makes them; T5 stays float32. The run stays near the
   * float32 golden.
   */
  @Test
  void aBfloat16RunKeepsT5InFloat32AndItsModelArgumentsInBfloat16() {
    ComputeTarget bf16 = new ComputeTarget("cpu", ScalarType.BFloat16);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        DiffusionPipeline p = Pipelines.open(FOLDER, bf16)) {
      GenerationSettings s = p.resolve(GenerationRequest.of(PROMPTS));
      Conditioning c = p.encode(s);
      assertEquals(ScalarType.Float.value, c.cond().get(Stdit3Transformer.Y).scalar_type().value, "T5 runs in float32");
      assertTrue(Tensors.relativeL2(c.cond().get(Stdit3Transformer.Y), io.tensor("out.y").narrow(0, 0, 2)) < 1e-6);
      assertEquals(ScalarType.BFloat16.value, c.cond().get(Stdit3Transformer.HEIGHT).scalar_type().value);
      assertTrue(p.samplerName(s).contains("bf16 kwargs"), p.samplerName(s));
      Generation g = p.generate(s, io.tensor("in.noise"), FullCompute.INSTANCE, GuidedDenoiser.Branches.BATCHED, PipelineListener.NONE);
      double latents = Tensors.relativeL2(g.latents(), io.tensor("out.latents"));
      double video = Tensors.relativeL2(g.videos(), io.tensor("out.video"));
      System.out.printf("bf16 run vs the float32 golden: latents %.2e, video %.2e relative L2%n", latents, video);
      assertTrue(latents < 0.1 && video < 0.1, latents + " / " + video);
    }
  }

  @Test
  void unsetKeysTakeSamplePyValues() throws IOException {
    Path folder = TestFolders.copyTree(FOLDER, dir.resolve("os"), SKIP);
    // Only what the tiny model needs: its text length. Resolution, frames, steps and cfg are sample.py's.
    Files.writeString(folder.resolve("inference.json"), "{\"text_encoder\": {\"model_max_length\": 18}, \"colour\": 3}");
    List<String> warnings = new ArrayList<>();
    var previous = Warnings.routeTo(warnings::add);
    try (PointerScope scope = new PointerScope();
        DiffusionPipeline p = Pipelines.open(folder, ComputeTarget.CPU_FLOAT32)) {
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("a fox")));
      assertEquals(List.of(240, 426, 51, 30), List.of(s.height(), s.width(), s.frames(), s.steps()), "240p at 9:16, 51 frames, 30 steps");
      assertEquals(7.0, s.guidance());
      assertEquals(24, p.fps());
      assertEquals(List.of(1L, 4L, 15L, 30L, 53L), Arrays.stream(p.noiseShape(s)).boxed().toList());
      assertTrue(warnings.stream().anyMatch(w -> w.contains("240x424")), "426 is cut to 424 as Open-Sora's VAE does: " + warnings);
      assertTrue(warnings.stream().anyMatch(w -> w.contains("inference.json: \"colour\" is not an Open-Sora 1.2 inference setting")), warnings.toString());
      assertTrue(p.samplerName(s).contains("240x426, 51 frames"), p.samplerName(s));
      assertEquals("a fox aesthetic score: 6.5.", ((OpenSoraPipeline) p).textsForEncoder(List.of("A Fox")).get(0));
    } finally {
      Warnings.routeTo(previous);
    }
  }

  @Test
  void aFolderWithoutInferenceJsonIsRecognisedByItsTransformer() throws IOException {
    Path folder = TestFolders.copyTree(FOLDER, dir.resolve("os"), SKIP);
    Files.delete(folder.resolve("inference.json"));
    assertTrue(OpenSoraPipeline.recognises(folder));
    // sample.py's model_max_length (300) is not the tiny model's (18): the folder opens as Open-Sora and says so.
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> Pipelines.open(folder, ComputeTarget.CPU_FLOAT32));
    assertTrue(e.getMessage().contains("model_max_length 18") && e.getMessage().contains("300"), e.getMessage());
  }
}
