package dev.lemica.pipeline.qwenimage;

import dev.lemica.cli.CliRunner;
import dev.lemica.pipeline.BrokenFolders;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.testing.TestFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken Qwen-Image folder or flag: one line naming the file or flag and the fault, before any sampling. */
class QwenImagePipelineBadInputTest {
  private static final Path GOLDEN = Golden.dir("qwenimage_pipeline_tiny");

  @TempDir Path dir;

  private Path out() {
    return dir.resolve("x.png");
  }

  private CliRunner generate(Path model, String... extra) {
    return BrokenFolders.generate(model, out(), List.of("--prompt", "a fox", "--negative-prompt", " "), extra);
  }

  @Test
  void aMissingOrWrongComponent() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"Qwen2_5_VLForConditionalGeneration\"", "\"CLIPTextModel\"");
    generate(m).assertOneLineError(out(), "model_index.json: text_encoder is CLIPTextModel; QwenImagePipeline here supports Qwen2_5_VLForConditionalGeneration");
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"QwenImagePipeline\"", "\"QwenImageEditPipeline\"");
    generate(m).assertOneLineError(out(), "model_index.json: _class_name 'QwenImageEditPipeline' is not a supported pipeline", "QwenImagePipeline");
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"QwenImageEditPipeline\"", "\"QwenImagePipeline\"");
    BrokenFolders.replaceIn(m.resolve("model_index.json"), "\"CLIPTextModel\"", "\"Qwen2_5_VLForConditionalGeneration\"");
    TestFolders.deleteTree(m.resolve("vae"));
    generate(m).assertOneLineError(out(), "model_index.json names vae (AutoencoderKLQwenImage) but the folder vae/ is missing");
  }

  @Test
  void aMalformedTokenizerTruncatedShardOrMismatchedVae() throws IOException {
    Path m = BrokenFolders.copy(GOLDEN, dir);
    Files.writeString(m.resolve("tokenizer/tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\", \"vocab\": ");
    generate(m).assertOneLineError(out(), "tokenizer/tokenizer.json: malformed JSON");
    Files.copy(GOLDEN.resolve("tokenizer/tokenizer.json"), m.resolve("tokenizer/tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BrokenFolders.truncate(m.resolve("text_encoder/model-00002-of-00002.safetensors"));
    generate(m).assertOneLineError(out(), "text_encoder/model-00002-of-00002.safetensors");
    Files.copy(GOLDEN.resolve("text_encoder/model-00002-of-00002.safetensors"), m.resolve("text_encoder/model-00002-of-00002.safetensors"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BrokenFolders.replaceIn(m.resolve("transformer/config.json"), "\"in_channels\": 64", "\"in_channels\": 48");
    generate(m).assertOneLineError(out(), "vae/config.json", "16 latent channels", "in_channels 48");
  }

  @Test
  void flagsThisPipelineCannotHonour() {
    generate(GOLDEN, "--width", "50").assertOneLineError(out(), "--width 50", "multiples of 16");
    generate(GOLDEN, "--max-sequence-length", "2000").assertOneLineError(out(), "--max-sequence-length", "1024");
    generate(GOLDEN, "--shift", "3").assertOneLineError(out(), "scheduler_config.json", "use_dynamic_shifting");
    Path embeddings = dir.resolve("embeddings.safetensors");
    new SafetensorsWriter().put("prompt_embeds", torch.randn(1, 5, 32)).put("negative_prompt_embeds", torch.randn(1, 5, 32)).write(embeddings);
    CliRunner r =
        CliRunner.run("generate", "--model", GOLDEN.toString(), "--embeddings", embeddings.toString(), "--height", "32", "--width", "48",
            "--out", out().toString(), "--quiet");
    // Its transformer also takes each text's mask: embeddings alone are not enough.
    r.assertOneLineError(out(), "QwenImagePipeline", "--embeddings");
  }
}
