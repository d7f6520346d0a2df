package dev.lemica.pipeline.latte;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken Latte folder or flag: one line naming the file and the fault, before any sampling. */
class LattePipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("latte_pipeline_tiny");

  @TempDir Path dir;

  private Path folder() throws IOException {
    return TestFolders.copyTree(GOLDEN, dir.resolve("latte"), Set.of("io.safetensors"));
  }

  private CliRunner generate(Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a cactus", "--steps", "2", "--quiet"));
    args.addAll(List.of(extra));
    for (String[] size : new String[][] {{"--height", "64"}, {"--width", "64"}, {"--frames", "4"}}) {
      if (!args.contains(size[0])) {
        args.addAll(List.of(size));
      }
    }
    args.addAll(List.of("--out", dir.resolve("x.mp4").toString()));
    return CliRunner.run(args.toArray(String[]::new));
  }

  private void assertOneLine(CliRunner r, String... expected) {
    r.assertOneLineError(dir.resolve("x.mp4"), expected);
  }

  @Test
  void aMissingComponentFolder() throws IOException {
    Path m = folder();
    TestFolders.deleteTree(m.resolve("vae"));
    assertOneLine(generate(m), "model_index.json names vae (AutoencoderKL) but the folder vae/ is missing");
  }

  @Test
  void aVaeConfigOfAnotherClass() throws IOException {
    Path m = folder();
    TestFolders.replace(m.resolve("vae/config.json"), "\"AutoencoderKL\"", "\"AutoencoderKLWan\"");
    assertOneLine(generate(m), "vae/config.json", "AutoencoderKLWan", "expected AutoencoderKL");
  }

  @Test
  void aTransformerConfigKeyOfTheWrongType() throws IOException {
    Path m = folder();
    TestFolders.replace(m.resolve("transformer/config.json"), "\"video_length\": 4", "\"video_length\": \"four\"");
    assertOneLine(generate(m), "transformer/config.json", "video_length");
  }

  @Test
  void latentChannelsThatDoNotMatchTheTransformer() throws IOException {
    Path m = folder();
    TestFolders.replace(m.resolve("vae/config.json"), "\"latent_channels\": 4", "\"latent_channels\": 16");
    assertOneLine(generate(m), "vae/config.json", "latent_channels 16", "in_channels 4");
  }

  @Test
  void aSchedulerOptionThatIsNotImplemented() throws IOException {
    Path m = folder();
    TestFolders.replace(m.resolve("scheduler/scheduler_config.json"), "\"thresholding\": false", "\"thresholding\": true");
    assertOneLine(generate(m), "scheduler_config.json", "thresholding");
  }

  @Test
  void truncatedTextEncoderWeights() throws IOException {
    Path m = folder();
    try (FileChannel c = FileChannel.open(m.resolve("text_encoder/model.safetensors"), StandardOpenOption.WRITE)) {
      c.truncate(c.size() / 2);
    }
    assertOneLine(generate(m), "text_encoder/model.safetensors");
  }

  @Test
  void latentsOfTheWrongFrameCount() {
    Path noise = dir.resolve("noise.safetensors");
    new SafetensorsWriter().put("noise", torch.randn(1, 4, 3, 8, 8)).write(noise);
    assertOneLine(generate(GOLDEN, "--noise", noise.toString()), "noise.safetensors", "[1, 4, 3, 8, 8]", "[1, 4, 4, 8, 8]");
  }

  @Test
  void framesSizesAndTextLengthsLatteCannotMake() {
    assertOneLine(generate(GOLDEN, "--frames", "3"), "--frames 3", "video_length", "or 1");
    assertOneLine(generate(GOLDEN, "--width", "40"), "--height 64 --width 40", "multiples of 16");
    assertOneLine(generate(GOLDEN, "--max-sequence-length", "77"), "--max-sequence-length 77", "120 tokens");
  }
}
