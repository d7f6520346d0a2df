package dev.lemica.pipeline.latte;

import dev.lemica.cli.CliRunner;
import dev.lemica.pipeline.BrokenFolders;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken Latte folder or flag: one line naming the file and the fault, before any sampling (32x48, video_length 4 frames). */
class LattePipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("latte_pipeline_tiny");

  @TempDir Path dir;

  private CliRunner generate(Path model, String... extra) {
    return BrokenFolders.generate(model, dir.resolve("x.mp4"), List.of("--prompt", "a cactus"), extra);
  }

  private void assertOneLine(CliRunner r, String... expected) {
    r.assertOneLineError(dir.resolve("x.mp4"), expected);
  }

  @Test
  void aMissingComponentFolder() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    TestFolders.deleteTree(m.resolve("vae"));
    assertOneLine(generate(m), "model_index.json names vae (AutoencoderKL) but the folder vae/ is missing");
  }

  @Test
  void aVaeConfigOfAnotherClass() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.replaceIn(m.resolve("vae/config.json"), "\"AutoencoderKL\"", "\"AutoencoderKLWan\"");
    assertOneLine(generate(m), "vae/config.json", "AutoencoderKLWan", "expected AutoencoderKL");
  }

  @Test
  void aTransformerConfigKeyOfTheWrongType() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.replaceIn(m.resolve("transformer/config.json"), "\"video_length\": 4", "\"video_length\": \"four\"");
    assertOneLine(generate(m), "transformer/config.json", "video_length");
  }

  @Test
  void latentChannelsThatDoNotMatchTheTransformer() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.replaceIn(m.resolve("vae/config.json"), "\"latent_channels\": 4", "\"latent_channels\": 16");
    assertOneLine(generate(m), "vae/config.json", "latent_channels 16", "in_channels 4");
  }

  @Test
  void aSchedulerOptionThatIsNotImplemented() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.replaceIn(m.resolve("scheduler/scheduler_config.json"), "\"thresholding\": false", "\"thresholding\": true");
    assertOneLine(generate(m), "scheduler_config.json", "thresholding");
  }

  @Test
  void truncatedTextEncoderWeights() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.truncate(m.resolve("text_encoder/model.safetensors"));
    assertOneLine(generate(m), "text_encoder/model.safetensors");
  }

  @Test
  void latentsOfTheWrongFrameCount() {
    Path noise = dir.resolve("noise.safetensors");
    new SafetensorsWriter().put("noise", torch.randn(1, 4, 3, 4, 6)).write(noise);
    assertOneLine(generate(GOLDEN, "--noise", noise.toString()), "noise.safetensors", "[1, 4, 3, 4, 6]", "[1, 4, 4, 4, 6]");
  }

  @Test
  void framesSizesAndTextLengthsLatteCannotMake() {
    assertOneLine(generate(GOLDEN, "--frames", "3"), "--frames 3", "video_length", "or 1");
    assertOneLine(generate(GOLDEN, "--width", "40"), "--height 32 --width 40", "multiples of 16");
    assertOneLine(generate(GOLDEN, "--max-sequence-length", "77"), "--max-sequence-length 77", "120 tokens");
  }
}
