package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lemica.model.Models;
import dev.lemica.model.wan.WanConfig;
import dev.lemica.model.wan.WanFlops;
import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BenchCommandTest {
  @TempDir Path dir;

  @Test
  void benchmarksARandomWeightModelAndReportsItsFigures() throws IOException {
    Path report = dir.resolve("bench.json");
    CliRunner r =
        CliRunner.run(
            "bench", "--config", Golden.dir("wan").resolve("config.json").toString(), "--latent", "4,3,16,16",
            "--text-tokens", "7", "--steps", "6", "--budgets", "3", "--repeats", "2", "--report", report.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertEquals(3 * 8 * 8, json.get("tokens").asInt());
    assertTrue(json.get("full_step_ms").asDouble() > json.get("reused_step_ms").asDouble(), json.toString());
    assertEquals(2, json.get("end_to_end").size());
    double hostBound = json.get("host_bound_step_ms").asDouble();
    assertTrue(hostBound > 0 && hostBound < json.get("full_step_ms").asDouble() * 50, json.toString());
  }

  /** The other families through the same loop, from their ExampleInputs, with their pipelines' text lengths. */
  @ParameterizedTest
  @CsvSource({"cogvideox15, '4,4,8,8', 32, 226", "latte-variant, '3,3,8,12', 72, 120"})
  void benchmarksTheVideoFamilies(String golden, String latent, int tokens, int textTokens) throws IOException {
    Path report = dir.resolve("bench.json");
    CliRunner r =
        CliRunner.run(
            "bench", "--config", Golden.dir(golden).resolve("config.json").toString(), "--latent", latent,
            "--steps", "5", "--budgets", "3", "--repeats", "1", "--no-end-to-end", "--report", report.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertEquals(tokens, json.get("tokens").asInt());
    assertTrue(json.get("full_step_ms").asDouble() > json.get("reused_step_ms").asDouble(), json.toString());
    assertTrue(json.get("step_flops").asDouble() > 0, json.toString());
    assertEquals(textTokens, new ObjectMapper().readTree(Files.readString(report)).path("text_tokens").asInt(), json.toString());
  }

  @Test
  void knowsThePresetsAndRejectsOthers() {
    WanConfig small = WanConfig.from(Models.preset("wan2.1-t2v-1.3b"));
    assertEquals(1536, small.dim());
    assertEquals(30, small.layers());
    // 480p x 81 frames: 32,760 tokens; one forward is about 283 TFLOP, two thirds of it attention.
    double flops = WanFlops.perForward(small, 32760, 512);
    assertTrue(flops > 2.7e14 && flops < 3.0e14, "flops " + flops);
    CliRunner r = CliRunner.run("bench", "--preset", "wan9-giant");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("unknown (known: wan2.1-t2v-1.3b, wan2.1-t2v-14b, opensora-1.2, cogvideox1.5-5b, latte-1, flux.1-dev, qwen-image)"), r.err());
  }

  @Test
  void benchmarksTheDualStreamFamiliesThroughTheSameInterface() throws IOException {
    for (String folder : new String[] {"flux", "qwenimage"}) {
      Path report = dir.resolve(folder + ".json");
      CliRunner r =
          CliRunner.run(
              "bench", "--config", Golden.dir(folder).resolve("config.json").toString(), "--latent", folder.equals("flux") ? "2,6,10" : "4,6,10",
              "--text-tokens", "5", "--steps", "4", "--budgets", "2", "--repeats", "1", "--report", report.toString());
      assertEquals(0, r.exitCode(), r.err());
      JsonNode json = new ObjectMapper().readTree(Files.readString(report));
      assertEquals(3 * 5, json.get("tokens").asInt(), folder);
      // FLUX.1-dev has distilled guidance (one branch); Qwen-Image runs true CFG (two).
      assertEquals(folder.equals("flux"), json.get("cfg").asText().equals("none"), folder + " " + json.get("cfg"));
      assertTrue(json.get("step_flops").asDouble() > 0, json.toString());
    }
  }

  @Test
  void theReleasedConfigsHaveTheirKnownSizes() {
    // FLUX.1-dev: 19 + 38 blocks of width 3072; Qwen-Image: 60 blocks of width 3072.
    dev.lemica.model.flux.FluxConfig flux = dev.lemica.model.flux.FluxConfig.from(Models.preset("flux.1-dev"));
    assertEquals(3072, flux.dim());
    assertEquals(57, flux.layers() + flux.singleLayers());
    dev.lemica.model.qwenimage.QwenImageConfig qwen = dev.lemica.model.qwenimage.QwenImageConfig.from(Models.preset("qwen-image"));
    assertEquals(3072, qwen.dim());
    assertEquals(60, qwen.layers());
    assertEquals(16, qwen.outChannels());
  }
}
