package dev.lemica.pipeline.flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.BrokenFolders;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ImagePipelineGolden;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
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
            "--budget", "2", "--seed", "3", "--max-sequence-length", "32", "--out", png.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.isRegularFile(png));
  }

  /**
   * A folder of our own in FLUX.1-schnell's form: no guidance embedder (guidance_embeds false, its
   * weights gone) and a static shift (use_dynamic_shifting false, shift 1.0, as schnell's scheduler
   * config). It runs end to end to a PNG, full and cached; --guidance changes nothing (schnell takes no
   * guidance), --shift does, and the cached run differs from the full one.
   */
  @Test
  void aSchnellStyleFolderTakesNoGuidanceAndAStaticShift() throws IOException {
    Path m = BrokenFolders.copy(FOLDER, dir);
    BrokenFolders.replaceIn(m.resolve("transformer/config.json"), "\"guidance_embeds\": true", "\"guidance_embeds\": false");
    Path weights = m.resolve("transformer/diffusion_pytorch_model.safetensors");
    try (PointerScope scope = new PointerScope()) {
      SafetensorsWriter without = new SafetensorsWriter();
      try (SafetensorsFile f = SafetensorsFile.open(FOLDER.resolve("transformer/diffusion_pytorch_model.safetensors"))) {
        for (String name : f.names()) {
          if (!name.contains("guidance_embedder")) {
            without.put(name, f.tensor(name).clone());
          }
        }
      }
      without.write(weights);
    }
    Path scheduler = m.resolve("scheduler/scheduler_config.json");
    BrokenFolders.replaceIn(scheduler, "\"use_dynamic_shifting\": true", "\"use_dynamic_shifting\": false");
    BrokenFolders.replaceIn(scheduler, "\"shift\": 3.0", "\"shift\": 1.0");
    Tensor plain = run(m, "plain", "--guidance", "1");
    assertEquals(0.0, Tensors.relativeL2(run(m, "guided", "--guidance", "7"), plain), "schnell has no guidance input");
    assertTrue(Tensors.relativeL2(run(m, "shifted", "--shift", "3"), plain) > 1e-3, "--shift moves the schedule");
    double cached = Tensors.relativeL2(run(m, "cached", "--schedule", "0,2,3"), plain);
    assertTrue(cached > 1e-4 && cached < 0.5, "a cached run stays near the full one but is not it: " + cached);
  }

  private Tensor run(Path model, String name, String... extra) {
    Path png = dir.resolve(name + ".png");
    Path tensors = dir.resolve(name + ".safetensors");
    List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a red fox", "--height", "32",
        "--width", "64", "--steps", "4", "--seed", "5", "--max-sequence-length", "32", "--out", png.toString(), "--tensor-out", tensors.toString(), "--quiet"));
    args.addAll(List.of(extra));
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.isRegularFile(png));
    try (SafetensorsFile f = SafetensorsFile.open(tensors)) {
      Tensor video = f.tensor("video").clone();
      assertEquals(List.of(1L, 3L, 1L, 32L, 64L), Arrays.stream(Tensors.shape(video)).boxed().toList());
      return video;
    }
  }
}
