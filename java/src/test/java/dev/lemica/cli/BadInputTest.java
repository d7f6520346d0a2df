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
  void badBenchAndEvaluateFlags() {
    assertOneLineError(CliRunner.run("bench", "--preset", "wan2.1-t2v-1.3b", "--latent", "16,21,60"), "--latent needs four positive sizes");
    assertOneLineError(CliRunner.run("evaluate", "--prompt", "x", "--steps", "6", "--budgets", "9"), "--budgets: 9 is outside 2..6");
    assertOneLineError(CliRunner.run("generate", "--prompt", "x", "--cfg", "sideways", "--out", dir.resolve("o.gif").toString()), "--cfg sideways");
    assertOneLineError(CliRunner.run("generate", "--prompt", "x", "--dtype", "int8", "--out", dir.resolve("o.gif").toString()), "--dtype int8");
  }
}
