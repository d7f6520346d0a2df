package dev.lemica.pipeline.flux;

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
    generate(m).assertOneLineError(out(), "model_index.json: vae is AutoencoderKLWan; FluxPipeline here supports AutoencoderKL");
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"AutoencoderKLWan\"", "\"AutoencoderKL\"");
    TestFolders.deleteTree(m.resolve("text_encoder_2"));
    generate(m).assertOneLineError(out(), "model_index.json names text_encoder_2 (T5EncoderModel) but the folder text_encoder_2/ is missing");
  }

  @Test
  void aMalformedTokenizerOrTruncatedWeights() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    java.nio.file.Files.writeString(m.resolve("tokenizer_2/tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\", \"vocab\": ");
    generate(m).assertOneLineError(out(), "tokenizer_2/tokenizer.json: malformed JSON");
    java.nio.file.Files.copy(GOLDEN.resolve("tokenizer_2/tokenizer.json"), m.resolve("tokenizer_2/tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BrokenFolders.truncate(m.resolve("transformer/diffusion_pytorch_model.safetensors"));
    generate(m).assertOneLineError(out(), "transformer/diffusion_pytorch_model.safetensors");
  }

  @Test
  void flagsThisPipelineCannotHonour() {
    generate(GOLDEN, "--height", "40").assertOneLineError(out(), "--height 40", "multiples of 16");
    generate(GOLDEN, "--frames", "5").assertOneLineError(out(), "--frames 5", "FluxPipeline makes images");
    generate(GOLDEN, "--negative-prompt", "blurry").assertOneLineError(out(), "--negative-prompt", "distilled");
    generate(GOLDEN, "--shift", "3").assertOneLineError(out(), "scheduler_config.json", "--shift", "use_dynamic_shifting");
    generate(GOLDEN, "--max-sequence-length", "600").assertOneLineError(out(), "--max-sequence-length", "512");
    generate(GOLDEN, "--out", dir.resolve("x.avi").toString()).assertOneLineError(dir.resolve("x.avi"), "x.avi");
  }

  @Test
  void latentsNotPackedForThisSize() {
    Path noise = dir.resolve("noise.safetensors");
    // The VAE layout (B, 16, h, w) instead of the packed (B, tokens, 64) the pipeline keeps.
    new SafetensorsWriter().put("noise", torch.randn(1, 16, 4, 6)).write(noise);
    generate(GOLDEN, "--noise", noise.toString()).assertOneLineError(out(), "noise.safetensors", "[1, 16, 4, 6]", "[1, 6, 64]");
  }
}
