package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sample} for FLUX.1 and Qwen-Image from explicit embeddings, against diffusers' FluxPipeline
 * and QwenImagePipeline runs (flow-match Euler with the dynamic shift of the folder's scheduler
 * config): the final latents, full and with the golden's cached schedule 0,1,3,5,7.
 */
class MmditSampleCommandTest {
  @TempDir Path dir;

  @Test
  void fluxFromItsForwardInputsByName() {
    Path golden = Golden.dir("flux_pipeline_tiny");
    Path inputs = dir.resolve("flux.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      new SafetensorsWriter()
          .put("in.noise", io.tensor("in.noise"))
          .put("in.encoder_hidden_states", io.tensor("out.prompt_embeds"))
          .put("in.pooled_projections", io.tensor("out.pooled_prompt_embeds"))
          .put("in.img_ids", io.tensor("out.latent_image_ids"))
          .put("in.txt_ids", io.tensor("out.text_ids"))
          .put("in.guidance", io.tensor("out.guidance"))
          .write(inputs);
      // The golden's budget: a float32 exp() ulp at the 3500 rad guidance argument moves a step by ~3e-5.
      check(golden, inputs, io, "1", null, "out.latents", 1e-4);
      check(golden, inputs, io, "1", "0,1,3,5,7", "out.latents_cached", 1e-4);
    }
  }

  @Test
  void qwenImageFromCondAndUncondTextsWithTheirMasks() {
    Path golden = Golden.dir("qwenimage_pipeline_tiny");
    Path inputs = dir.resolve("qwen.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      new SafetensorsWriter()
          .put("in.noise", io.tensor("in.noise"))
          .put("in.cond", io.tensor("out.prompt_embeds"))
          .put("in.cond_mask", io.tensor("out.prompt_embeds_mask"))
          // The str negative prompt: one row for the whole batch, its own length, no mask.
          .put("in.uncond", io.tensor("out.negative_prompt_embeds"))
          .put("in.img_shapes", Tensors.fromLongs(new long[] {1, 4, 5, 1, 4, 5}, 2, 3))
          .write(inputs);
      check(golden, inputs, io, "4", null, "out.latents", 1e-4);
      check(golden, inputs, io, "4", "0,1,3,5,7", "out.latents_cached", 1e-4);
    }
  }

  private void check(Path golden, Path inputs, SafetensorsFile io, String guidance, String schedule, String expected, double tolerance) {
    Path out = dir.resolve(expected + ".safetensors");
    String[] base = {
      "sample", "--model", golden.toString(), "--inputs", inputs.toString(), "--steps", "8",
      "--scheduler", golden.resolve("scheduler/scheduler_config.json").toString(), "--guidance", guidance, "--cfg", "separate",
      "--out", out.toString()};
    String[] args = schedule == null ? base : concat(base, "--schedule", schedule);
    CliRunner r = CliRunner.run(args);
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out)) {
      double err = Tensors.relativeL2(o.tensor("out.sample"), io.tensor(expected));
      assertTrue(err < tolerance, golden.getFileName() + " " + expected + ": " + err);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
