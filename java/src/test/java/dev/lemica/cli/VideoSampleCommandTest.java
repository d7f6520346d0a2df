package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code lemica sample} reproduces diffusers' CogVideoXPipeline (CogVideoXDDIM, dynamic CFG 6) and
 * LattePipeline (DDIM, CFG 7.5, learned sigma) latents, full and with the cached schedule, from the
 * pipelines' own initial noise and prompt embeddings.
 */
class VideoSampleCommandTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "cogvideox15_cached_steps, 6.0, true, out.latents,",
    "cogvideox15_cached_steps, 6.0, true, out.latents_cached, '0,1,3,5,7'",
    "latte_cached_steps, 7.5, false, out.latents,",
    "latte_cached_steps, 7.5, false, out.latents_cached, '0,1,3,5,7'",
  })
  void reproducesThePipelinesLatents(String folder, String guidance, boolean dynamic, String expected, String schedule) {
    Path golden = Golden.dir(folder);
    Path inputs = dir.resolve("in.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      var embeds = io.tensor("out.prompt_embeds");
      long b = embeds.size(0) / 2;
      new SafetensorsWriter()
          .put("in.noise", io.tensor("in.noise"))
          .put("in.uncond", embeds.narrow(0, 0, b))
          .put("in.cond", embeds.narrow(0, b, b))
          .write(inputs);
    }
    Path out = dir.resolve("out.safetensors");
    List<String> args = new ArrayList<>(List.of(
        "sample", "--model", golden.toString(), "--inputs", inputs.toString(), "--steps", "8",
        "--scheduler", golden.resolve("scheduler_config.json").toString(), "--guidance", guidance, "--cfg", "batched",
        "--out", out.toString()));
    if (dynamic) {
      args.add("--dynamic-cfg");
    }
    if (schedule != null) {
      args.addAll(List.of("--schedule", schedule));
    }
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      double err = Tensors.relativeL2(o.tensor("out.sample"), io.tensor(expected));
      assertTrue(err < 1e-4, folder + " " + expected + " relative L2 " + err);
      System.out.println(folder + " " + expected + " relative L2 " + err);
      double cacheEffect = Tensors.relativeL2(io.tensor("out.latents_cached"), io.tensor("out.latents"));
      assertTrue(cacheEffect > 100 * err, "the schedule matters: " + cacheEffect);
    }
  }
}
