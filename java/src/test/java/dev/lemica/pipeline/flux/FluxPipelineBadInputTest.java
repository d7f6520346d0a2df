package dev.lemica.pipeline.flux;

import static dev.lemica.pipeline.BrokenFolders.assertOneLine;

import dev.lemica.cli.CliRunner;
import dev.lemica.pipeline.BrokenFolders;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken FLUX folder or flag: one line naming the file or flag and the fault, before any sampling. */
class FluxPipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("flux_pipeline_tiny");

  @TempDir Path dir;

  private Path out() {
    return dir.resolve("x.png");
  }

  private CliRunner generate(Path model, String... extra) {
    return BrokenFolders.generate(model, out(), List.of("--prompt", "a fox"), extra);
  }

  @Test
  void aMissingOrWrongComponent() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"AutoencoderKL\"", "\"AutoencoderKLWan\"");
    assertOneLine(generate(m), out(), "model_index.json: vae is AutoencoderKLWan; FluxPipeline here supports AutoencoderKL");
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"AutoencoderKLWan\"", "\"AutoencoderKL\"");
    BrokenFolders.deleteTree(m.resolve("text_encoder_2"));
    assertOneLine(generate(m), out(), "model_index.json names text_encoder_2 (T5EncoderModel) but the folder text_encoder_2/ is missing");
  }

  @Test
  void aMalformedTokenizerOrTruncatedWeights() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    java.nio.file.Files.writeString(m.resolve("tokenizer_2/tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\", \"vocab\": ");
    assertOneLine(generate(m), out(), "tokenizer_2/tokenizer.json: malformed JSON");
    java.nio.file.Files.copy(GOLDEN.resolve("tokenizer_2/tokenizer.json"), m.resolve("tokenizer_2/tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BrokenFolders.truncate(m.resolve("transformer/diffusion_pytorch_model.safetensors"));
    assertOneLine(generate(m), out(), "transformer/diffusion_pytorch_model.safetensors");
  }

  @Test
  void flagsThisPipelineCannotHonour() {
    assertOneLine(generate(GOLDEN, "--height", "40"), out(), "--height 40", "multiples of 16");
    assertOneLine(generate(GOLDEN, "--frames", "5"), out(), "--frames 5", "FluxPipeline makes images");
    assertOneLine(generate(GOLDEN, "--negative-prompt", "blurry"), out(), "--negative-prompt", "distilled");
    assertOneLine(generate(GOLDEN, "--shift", "3"), out(), "scheduler_config.json", "--shift", "use_dynamic_shifting");
    assertOneLine(generate(GOLDEN, "--max-sequence-length", "600"), out(), "--max-sequence-length", "512");
    assertOneLine(generate(GOLDEN, "--out", dir.resolve("x.avi").toString()), dir.resolve("x.avi"), "x.avi");
  }

  @Test
  void latentsNotPackedForThisSize() {
    Path noise = dir.resolve("noise.safetensors");
    // The VAE layout (B, 16, h, w) instead of the packed (B, tokens, 64) the pipeline keeps.
    new SafetensorsWriter().put("noise", torch.randn(1, 16, 4, 6)).write(noise);
    assertOneLine(generate(GOLDEN, "--noise", noise.toString()), out(), "noise.safetensors", "[1, 16, 4, 6]", "[1, 6, 64]");
  }
}
