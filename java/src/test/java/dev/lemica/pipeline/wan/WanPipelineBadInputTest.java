package dev.lemica.pipeline.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken Wan folder or flag: one line naming the file and the fault, before any sampling. */
class WanPipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("wan_pipeline_tiny");

  @TempDir Path dir;

  /** A copy of the tiny pipeline folder, to break one thing in. */
  private Path folder() throws IOException {
    return TestFolders.copyTree(GOLDEN, dir.resolve("wan"), Set.of("io.safetensors"));
  }

  private CliRunner generate(Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a fox", "--steps", "2", "--quiet"));
    args.addAll(List.of(extra));
    for (String[] size : new String[][] {{"--height", "32"}, {"--width", "48"}, {"--frames", "9"}}) {
      if (!args.contains(size[0])) {
        args.addAll(List.of(size));
      }
    }
    if (!args.contains("--out")) {
      args.addAll(List.of("--out", dir.resolve("x.mp4").toString()));
    }
    return CliRunner.run(args.toArray(String[]::new));
  }

  private void assertOneLine(CliRunner r, String... expected) {
    r.assertOneLineError(dir.resolve("x.mp4"), expected);
  }

  @Test
  void aMissingComponentFolder() throws IOException {
    Path m = folder();
    TestFolders.deleteTree(m.resolve("vae"));
    assertOneLine(generate(m), "model_index.json names vae (AutoencoderKLWan) but the folder vae/ is missing");
  }

  @Test
  void anotherPipelinesIndex() throws IOException {
    Path m = folder();
    Files.writeString(m.resolve("model_index.json"), Files.readString(m.resolve("model_index.json")).replace("\"WanPipeline\"", "\"StableDiffusionPipeline\""));
    assertOneLine(generate(m), "model_index.json: _class_name 'StableDiffusionPipeline' is not a supported pipeline", "WanPipeline");
  }

  @Test
  void anUnknownSchedulerClass() throws IOException {
    Path m = folder();
    Path config = m.resolve("scheduler/scheduler_config.json");
    Files.writeString(config, Files.readString(config).replace("UniPCMultistepScheduler", "EulerAncestralDiscreteScheduler"));
    assertOneLine(generate(m), "scheduler_config.json", "'EulerAncestralDiscreteScheduler' is not a supported scheduler");
  }

  @Test
  void aSchedulerOptionThatIsNotImplemented() throws IOException {
    Path m = folder();
    Path config = m.resolve("scheduler/scheduler_config.json");
    Files.writeString(config, Files.readString(config).replace("\"use_karras_sigmas\": false", "\"use_karras_sigmas\": true"));
    assertOneLine(generate(m), "scheduler_config.json", "use_karras_sigmas");
  }

  @Test
  void aMalformedTokenizer() throws IOException {
    Path m = folder();
    Files.writeString(m.resolve("tokenizer/tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\", \"vocab\": ");
    assertOneLine(generate(m), "tokenizer.json: malformed JSON");
  }

  @Test
  void truncatedVaeWeights() throws IOException {
    Path m = folder();
    Path weights = m.resolve("vae/diffusion_pytorch_model.safetensors");
    try (FileChannel c = FileChannel.open(weights, StandardOpenOption.WRITE)) {
      c.truncate(c.size() / 2);
    }
    assertOneLine(generate(m), "vae/diffusion_pytorch_model.safetensors");
  }

  @Test
  void latentsWithTheWrongChannelCount() {
    Path noise = dir.resolve("noise.safetensors");
    new SafetensorsWriter().put("noise", torch.randn(1, 16, 3, 4, 6)).write(noise);
    assertOneLine(generate(GOLDEN, "--noise", noise.toString()), "noise.safetensors", "[1, 16, 3, 4, 6]", "[1, 4, 3, 4, 6]");
  }

  @Test
  void sizesThatAreNotMultiplesOfTheFactors() {
    assertOneLine(generate(GOLDEN, "--height", "40"), "--height 40", "multiples of 16");
  }

  @Test
  void anUnknownOutputExtensionOrAnUnwritableOutput() {
    assertOneLine(generate(GOLDEN, "--out", dir.resolve("x.avi").toString()), "x.avi");
    assertOneLine(generate(GOLDEN, "--out", "/proc/x.mp4"), "/proc/x.mp4");
  }

  @Test
  void wan22FoldersAreRefusedByName() throws IOException {
    Path m = folder();
    Files.writeString(m.resolve("model_index.json"), Files.readString(m.resolve("model_index.json")).replace("\"boundary_ratio\": null", "\"boundary_ratio\": 0.875"));
    assertOneLine(generate(m), "model_index.json", "Wan2.2");
  }

}
