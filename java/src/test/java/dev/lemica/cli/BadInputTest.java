package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.EmbeddedModels;
import dev.lemica.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage in every file and flag the commands read: one line naming the file and the fault. */
class BadInputTest {
  @TempDir Path dir;

  private static void assertOneLineError(CliRunner r, String expected) {
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
  }

  /** A copy of the embedded model with one file replaced. */
  private Path modelWith(String relative, String content) throws IOException {
    Path src = EmbeddedModels.shapesWanT2v();
    Path copy = dir.resolve("model");
    for (String f : new String[] {"scheduler.json", "text_encoder/model.safetensors", "text_encoder/tokenizer.json",
        "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors"}) {
      Files.createDirectories(copy.resolve(f).getParent());
      Files.copy(src.resolve(f), copy.resolve(f));
    }
    Files.writeString(copy.resolve(relative), content);
    return copy;
  }

  @Test
  void garbageSchedulerSettings() throws IOException {
    Path m = modelWith("scheduler.json", "{\"kind\": \"ddim\"}");
    assertOneLineError(CliRunner.run("generate", "--model", m.toString(), "--prompt", "x", "--out", dir.resolve("o.gif").toString(), "--quiet"),
        "scheduler.json: \"kind\" is 'ddim'");
    Files.writeString(m.resolve("scheduler.json"), "{not json");
    assertOneLineError(CliRunner.run("generate", "--model", m.toString(), "--prompt", "x", "--out", dir.resolve("o.gif").toString(), "--quiet"),
        "scheduler.json: malformed JSON");
  }

  @Test
  void garbageTokenizer() throws IOException {
    Path m = modelWith("text_encoder/tokenizer.json", "{\"kind\": \"word-embedding\", \"vocab\": []}");
    assertOneLineError(CliRunner.run("generate", "--model", m.toString(), "--prompt", "x", "--out", dir.resolve("o.gif").toString(), "--quiet"),
        "tokenizer.json: missing \"vocab\" array");
  }

  @Test
  void embeddingsWithoutTheNegativePrompt() {
    Path file = dir.resolve("emb.safetensors");
    new SafetensorsWriter().put("prompt_embeds", torch.randn(1, 8, 64)).write(file);
    assertOneLineError(CliRunner.run("generate", "--embeddings", file.toString(), "--out", dir.resolve("o.gif").toString(), "--quiet"),
        "lacks tensor 'negative_prompt_embeds'");
  }

  @Test
  void emptyPromptFileAndBadMaxSkip() throws IOException {
    Path prompts = Files.writeString(dir.resolve("p.txt"), "# only a comment\n\n");
    assertOneLineError(CliRunner.run("calibrate", "--prompts", prompts.toString(), "--max-skip", "4", "--out", dir.resolve("e.json").toString(), "--quiet"),
        "holds no prompts");
    assertOneLineError(CliRunner.run("calibrate", "--prompt", "red circle", "--steps", "6", "--max-skip", "9", "--out", dir.resolve("e.json").toString(), "--quiet"),
        "--max-skip must be in 2..5");
  }

  @Test
  void anUnreadableErrorsFileIsNotOverwritten() throws IOException {
    Path errors = Files.writeString(dir.resolve("e.json"), "{\"format\": \"lemica-errors/1\", \"steps\": ");
    assertOneLineError(CliRunner.run("calibrate", "--prompt", "red circle", "--steps", "6", "--max-skip", "3", "--out", errors.toString(), "--quiet"),
        "cannot continue it, not a readable errors file");
    assertTrue(Files.readString(errors).endsWith("\"steps\": "), "left as it was");
  }

  @Test
  void unparsableFlagsGiveOneLineAndAUsageExitCode() {
    for (String[] args : new String[][] {
        {"generate", "--prompt", "x", "--budget", "3", "--schedule", "0,1", "--out", "o.gif"},
        {"generate", "--bogus"},
        {"calibrate", "--prompt", "x"},
        {"solve", "--budget", "three"}}) {
      CliRunner r = CliRunner.run(args);
      assertEquals(2, r.exitCode(), r.err());
      assertEquals(1, r.err().lines().count(), "one line: " + r.err());
      assertTrue(r.err().startsWith("error: ") && r.err().contains("--help"), r.err());
    }
  }

  @Test
  void garbageImageShapesBesideQwenImageInputs() throws IOException {
    Path golden = dev.lemica.testing.Golden.dir("qwenimage");
    Path inputs = Files.copy(golden.resolve("io.safetensors"), dir.resolve("io.safetensors"));
    Path meta = dir.resolve("meta.json");
    for (String[] bad : new String[][] {
        {"{\"img_shapes\": 7}", "img_shapes must be a non-empty list"},
        {"{\"img_shapes\": [[1, 4]]}", "img_shapes entries must be [frames, rows, columns]"},
        {"{\"img_shapes\": [[1, 4, -4]]}", "img_shapes entries must hold positive integers"},
        {"{\"img_shapes\": [[1, 4, 5]]}", "img_shapes [1, 4, 5] make 20 image tokens but hidden_states [1, 16, 16] holds 16"},
        {"{}", "inputs lack 'img_shapes'"}}) {
      Files.writeString(meta, bad[0]);
      CliRunner r = CliRunner.run("forward", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", dir.resolve("o").toString());
      assertOneLineError(r, bad[1]);
      if (!bad[0].equals("{}") && !bad[1].contains("make 20")) {
        assertTrue(r.err().startsWith("error: " + meta + ": img_shapes"), r.err());
      }
    }
  }

  @Test
  void fluxInputsOfTheWrongShape() {
    Path golden = dev.lemica.testing.Golden.dir("flux");
    Path inputs = dir.resolve("io.safetensors");
    new SafetensorsWriter()
        .put("in.hidden_states", torch.randn(1, 16, 8))
        .put("in.encoder_hidden_states", torch.randn(1, 6, 24))
        .put("in.pooled_projections", torch.randn(1, 12))
        .put("in.timestep", torch.rand(1))
        .put("in.guidance", torch.rand(1))
        .put("in.img_ids", torch.zeros(15, 3))
        .put("in.txt_ids", torch.zeros(6, 3))
        .write(inputs);
    assertOneLineError(CliRunner.run("forward", "--model", golden.toString(), "--inputs", inputs.toString(), "--out", dir.resolve("o").toString()),
        "img_ids [15, 3] must be (16, 3)");
  }

  @Test
  void badBenchAndEvaluateFlags() {
    assertOneLineError(CliRunner.run("bench", "--preset", "wan2.1-t2v-1.3b", "--latent", "16,21,60"), "--latent needs four positive sizes");
    assertOneLineError(CliRunner.run("bench", "--preset", "flux.1-dev", "--latent", "16,21,60,104"), "--latent needs three positive sizes C,H,W");
    assertOneLineError(CliRunner.run("bench", "--preset", "qwen-image", "--latent", "16,0,8"), "--latent needs three positive sizes C,H,W");
    assertOneLineError(CliRunner.run("bench", "--preset", "qwen-image", "--steps", "3"), "--steps must be at least 4");
    assertOneLineError(CliRunner.run("evaluate", "--prompt", "x", "--steps", "6", "--budgets", "9"), "--budgets: 9 is outside 2..6");
    assertOneLineError(CliRunner.run("generate", "--prompt", "x", "--cfg", "sideways", "--out", dir.resolve("o.gif").toString()), "--cfg sideways");
    assertOneLineError(CliRunner.run("generate", "--prompt", "x", "--dtype", "int8", "--out", dir.resolve("o.gif").toString()), "--dtype int8");
  }
}
