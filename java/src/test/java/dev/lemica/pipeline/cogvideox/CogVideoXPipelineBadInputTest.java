package dev.lemica.pipeline.cogvideox;

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

/** A broken CogVideoX folder or flag: one line naming the file and the fault, before any sampling. */
class CogVideoXPipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("cogvideox_pipeline_tiny");

  @TempDir Path dir;

  /** A copy of the tiny pipeline folder, to break one thing in. */
  private Path folder() throws IOException {
    return TestFolders.copyTree(GOLDEN, dir.resolve("cogvideox"), Set.of("io.safetensors"));
  }

  private CliRunner generate(Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a panda", "--steps", "2", "--quiet"));
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

  private static void replace(Path file, String from, String to) throws IOException {
    dev.lemica.pipeline.BrokenFolders.replaceIn(file, from, to);
  }

  /** Dynamic CFG is CogVideoX's: the flag on any other folder (here the embedded model) is refused. */
  @Test
  void dynamicCfgOnAnotherPipeline() {
    CliRunner r = CliRunner.run("generate", "--prompt", "a red circle", "--steps", "2", "--no-dynamic-cfg", "--quiet", "--out", dir.resolve("x.mp4").toString());
    assertOneLine(r, "--no-dynamic-cfg", "only a CogVideoXPipeline folder", "shapes-wan-t2v");
  }

  /** So is VAE tiling. */
  @Test
  void vaeTilingOnAnotherPipeline() {
    CliRunner r = CliRunner.run("generate", "--prompt", "a red circle", "--steps", "2", "--vae-tiling", "--quiet", "--out", dir.resolve("x.mp4").toString());
    assertOneLine(r, "--vae-tiling", "only a CogVideoXPipeline folder has VAE tiling", "shapes-wan-t2v");
  }

  /** A VAE sample size whose default tiles would not add up to the video fails when the folder opens, naming the way out. */
  @Test
  void aVaeSampleSizeWithoutWorkingTiles() throws IOException {
    Path m = folder();
    replace(m.resolve("vae/config.json"), "\"sample_height\": 480", "\"sample_height\": 100");
    assertOneLine(generate(m), "vae/config.json: sample_height 100 x sample_width 720", "tile height 50 must be a positive multiple", "--no-vae-tiling decodes untiled");
  }

  @Test
  void aMissingComponentFolder() throws IOException {
    Path m = folder();
    TestFolders.deleteTree(m.resolve("text_encoder"));
    assertOneLine(generate(m), "model_index.json names text_encoder (T5EncoderModel) but the folder text_encoder/ is missing");
  }

  @Test
  void anotherVaeClass() throws IOException {
    Path m = folder();
    replace(m.resolve("model_index.json"), "\"AutoencoderKLCogVideoX\"", "\"AutoencoderKLWan\"");
    assertOneLine(generate(m), "model_index.json", "AutoencoderKLWan");
  }

  @Test
  void aCogVideoX10Transformer() throws IOException {
    Path m = folder();
    replace(m.resolve("transformer/config.json"), "\"patch_size_t\": 2", "\"patch_size_t\": null");
    assertOneLine(generate(m), "transformer/config.json", "patch_size_t", "CogVideoX 1.0");
  }

  @Test
  void aSampleFramesOfTheWrongType() throws IOException {
    Path m = folder();
    replace(m.resolve("transformer/config.json"), "\"sample_frames\": 9", "\"sample_frames\": \"nine\"");
    assertOneLine(generate(m), "transformer/config.json", "sample_frames");
  }

  @Test
  void latentChannelsThatDoNotMatchTheTransformer() throws IOException {
    Path m = folder();
    replace(m.resolve("vae/config.json"), "\"latent_channels\": 4", "\"latent_channels\": 16");
    assertOneLine(generate(m), "vae/config.json", "latent_channels 16", "in_channels 4");
  }

  @Test
  void anUnknownSchedulerClass() throws IOException {
    Path m = folder();
    replace(m.resolve("scheduler/scheduler_config.json"), "CogVideoXDDIMScheduler", "EulerAncestralDiscreteScheduler");
    assertOneLine(generate(m), "scheduler_config.json", "'EulerAncestralDiscreteScheduler' is not a supported scheduler");
  }

  @Test
  void truncatedTransformerWeights() throws IOException {
    Path m = folder();
    Path weights = m.resolve("transformer/diffusion_pytorch_model.safetensors");
    try (FileChannel c = FileChannel.open(weights, StandardOpenOption.WRITE)) {
      c.truncate(c.size() / 2);
    }
    assertOneLine(generate(m), "transformer/diffusion_pytorch_model.safetensors");
  }

  @Test
  void latentsInTheWrongLayout() {
    Path noise = dir.resolve("noise.safetensors");
    // Channels first, as Wan holds them: CogVideoX wants (B, F, C, h, w) with the padding frame.
    new SafetensorsWriter().put("noise", torch.randn(1, 4, 4, 4, 6).narrow(2, 0, 3)).write(noise);
    assertOneLine(generate(GOLDEN, "--noise", noise.toString()), "noise.safetensors", "[1, 4, 3, 4, 6]", "[1, 4, 4, 4, 6]");
  }

  @Test
  void sizesOutsideTheFactorsOrTheRotaryTable() {
    assertOneLine(generate(GOLDEN, "--height", "40"), "--height 40", "multiples of 16");
    assertOneLine(generate(GOLDEN, "--width", "96"), "--width 96", "at most 64x64", "rotary table");
  }

  @Test
  void aShiftForASchedulerWithout() {
    assertOneLine(generate(GOLDEN, "--shift", "3"), "scheduler_config.json", "--shift", "no static flow shift");
  }

}
