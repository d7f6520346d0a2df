package dev.lemica.pipeline.opensora;

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
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken Open-Sora folder, inference.json or flag: one line naming the file and the fault, before any sampling. */
class OpenSoraPipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("opensora_pipeline_tiny");
  private static final java.util.Set<String> SKIP = java.util.Set.of("io.safetensors", "meta.json");

  @TempDir Path dir;

  private Path folder() throws IOException {
    return TestFolders.copyTree(GOLDEN, dir.resolve("os"), SKIP);
  }

  private CliRunner generate(Path model, String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a fox", "--steps", "2", "--quiet"));
    args.addAll(List.of(extra));
    if (!args.contains("--frames")) {
      args.addAll(List.of("--frames", "1"));
    }
    if (!args.contains("--out")) {
      args.addAll(List.of("--out", dir.resolve("x.mp4").toString()));
    }
    return CliRunner.run(args.toArray(String[]::new));
  }

  private void assertOneLine(CliRunner r, String... expected) {
    r.assertOneLineError(dir.resolve("x.mp4"), expected);
  }

  private static void edit(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " lacks " + from);
    Files.writeString(file, text.replace(from, to));
  }

  @Test
  void aMissingComponentFolder() throws IOException {
    Path m = folder();
    TestFolders.deleteTree(m.resolve("vae"));
    assertOneLine(generate(m), "vae", "the vae (OpenSoraVAE_V1_2) folder is missing");
    Path t = TestFolders.copyTree(GOLDEN, dir.resolve("os2"), SKIP);
    TestFolders.deleteTree(t.resolve("tokenizer"));
    assertOneLine(generate(t), "tokenizer", "the T5 tokenizer folder is missing");
  }

  @Test
  void aMalformedInferenceJson() throws IOException {
    Path m = folder();
    Files.writeString(m.resolve("inference.json"), "{\"num_frames\": 22, ");
    assertOneLine(generate(m), "inference.json", "malformed JSON");
  }

  @Test
  void inferenceValuesOfTheWrongKind() throws IOException {
    Path m = folder();
    Path json = m.resolve("inference.json");
    edit(json, "\"num_frames\": 22", "\"num_frames\": \"lots\"");
    assertOneLine(generate(m), "inference.json", "\"num_frames\" must be a positive frame count or one of", "2s");
    edit(json, "\"num_frames\": \"lots\"", "\"num_frames\": \"2s\"");
    edit(json, "\"cfg_scale\": 7.0", "\"cfg_scale\": \"seven\"");
    assertOneLine(generate(m), "inference.json scheduler", "cfg_scale");
    edit(json, "\"cfg_scale\": \"seven\"", "\"cfg_scale\": 7.0");
    edit(json, "\"type\": \"rflow\"", "\"type\": \"iddpm\"");
    assertOneLine(generate(m), "inference.json scheduler", "'iddpm'", "rflow");
  }

  @Test
  void anUnknownResolutionOrAspectRatio() throws IOException {
    Path m = folder();
    Path json = m.resolve("inference.json");
    edit(json, "\"image_size\": [\n    32,\n    40\n  ],", "\"resolution\": \"240p\", \"aspect_ratio\": \"7:5\",");
    assertOneLine(generate(m), "inference.json", "aspect_ratio '7:5' is not one of Open-Sora's", "9:16");
    edit(json, "\"aspect_ratio\": \"7:5\"", "\"aspect_ratio\": \"9:16\"");
    edit(json, "\"240p\"", "\"250p\"");
    assertOneLine(generate(m), "inference.json", "resolution '250p'", "720p");
  }

  @Test
  void aTextLengthTheModelDoesNotHave() throws IOException {
    Path m = folder();
    edit(m.resolve("inference.json"), "\"model_max_length\": 18", "\"model_max_length\": 300");
    assertOneLine(generate(m), "transformer/config.json: model_max_length 18", "text_encoder.model_max_length is 300");
    assertOneLine(generate(GOLDEN, "--max-sequence-length", "300"), "--max-sequence-length 300", "model_max_length = 18");
  }

  @Test
  void settingsOpenSoraDoesNotHave() {
    assertOneLine(generate(GOLDEN, "--negative-prompt", "blurry"), "--negative-prompt", "null caption");
    assertOneLine(generate(GOLDEN, "--shift", "3"), "--shift", "RFLOW");
  }

  @Test
  void sizesBelowTheVaeFactor() {
    assertOneLine(generate(GOLDEN, "--height", "4"), "--height 4", "at least the VAE's factor 8");
    assertOneLine(generate(GOLDEN, "--frames", "0"), "--frames must be at least 1");
    // Open-Sora's transform: ratio sqrt(frames // 17 * 5) = 0 below 17 frames.
    assertOneLine(generate(GOLDEN, "--frames", "5"), "--frames 5", "needs 1 or at least 17 frames");
  }

  @Test
  void truncatedTransformerWeights() throws IOException {
    Path m = folder();
    Path weights = m.resolve("transformer/model.safetensors");
    try (FileChannel c = FileChannel.open(weights, StandardOpenOption.WRITE)) {
      c.truncate(c.size() / 2);
    }
    assertOneLine(generate(m), "transformer/model.safetensors");
  }

  @Test
  void latentsOfTheWrongShape() {
    Path noise = dir.resolve("noise.safetensors");
    new SafetensorsWriter().put("noise", torch.randn(1, 4, 7, 4, 5)).write(noise);
    // 1 frame is 1 latent frame, not 7.
    assertOneLine(generate(GOLDEN, "--noise", noise.toString()), "noise.safetensors", "[1, 4, 7, 4, 5]", "[1, 4, 1, 4, 5]");
  }

  @Test
  void aVaeWhoseMicroFramesDisagreeWithInferenceJson() throws IOException {
    Path m = folder();
    edit(m.resolve("inference.json"), "\"micro_frame_size\": 17", "\"micro_frame_size\": 16");
    assertOneLine(generate(m), "vae/config.json: micro_frame_size 17", "vae.micro_frame_size is 16");
  }
}
