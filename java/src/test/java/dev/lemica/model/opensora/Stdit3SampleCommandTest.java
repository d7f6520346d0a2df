package dev.lemica.model.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sample` on STDiT3 from the conditional branch's explicit inputs (the model makes its null-caption
 * branch), with Open-Sora's RFLOW: the final latents of the tiny Open-Sora pipeline, full and with its
 * cached schedule 0,1,3,6,9, under the batched and the per-branch CFG layouts.
 */
class Stdit3SampleCommandTest {
  static final double TOLERANCE = 1e-5;

  @TempDir Path dir;

  private Path inputs() {
    Path file = dir.resolve("in.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_pipeline_tiny").resolve("io.safetensors"))) {
      long b = io.tensor("out.mask").size(0);
      new SafetensorsWriter()
          .put("in.noise", io.tensor("in.noise"))
          .put("in.y", io.tensor("out.y").narrow(0, 0, b).contiguous())
          .put("in.mask", io.tensor("out.mask"))
          .put("in.fps", io.tensor("out.model_args.fps"))
          .put("in.height", io.tensor("out.model_args.height"))
          .put("in.width", io.tensor("out.model_args.width"))
          .put("in.num_frames", io.tensor("out.model_args.num_frames"))
          .write(file);
    }
    return file;
  }

  private CliRunner sample(Path in, Path out, String... extra) {
    String[] base = {"sample", "--model", Golden.dir("opensora_pipeline_tiny").toString(), "--inputs", in.toString(), "--steps", "10",
        "--scheduler", Golden.dir("schedulers/rflow_opensora").resolve("scheduler_config.json").toString(), "--guidance", "7", "--out", out.toString()};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return CliRunner.run(args);
  }

  private static double error(Path out, String reference) {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_pipeline_tiny").resolve("io.safetensors"))) {
      return Tensors.relativeL2(o.tensor("out.sample"), io.tensor(reference));
    }
  }

  @Test
  void samplesTheOpenSoraPipelineLatentsFullAndCached() {
    Path in = inputs();
    Path full = dir.resolve("full.safetensors");
    CliRunner r = sample(in, full, "--cfg", "batched");
    assertEquals(0, r.exitCode(), r.err());
    double err = error(full, "out.latents");
    System.out.println("sample full out.latents relative L2 " + err);
    assertTrue(err < TOLERANCE, "full latents relative L2 " + err);

    for (String cfg : new String[] {"batched", "separate"}) {
      Path cached = dir.resolve("cached-" + cfg + ".safetensors");
      r = sample(in, cached, "--cfg", cfg, "--schedule", "0,1,3,6,9");
      assertEquals(0, r.exitCode(), r.err());
      err = error(cached, "out.latents_cached");
      System.out.println("sample cached (" + cfg + ") out.latents_cached relative L2 " + err);
      assertTrue(err < TOLERANCE, cfg + " cached latents relative L2 " + err);
      assertTrue(error(cached, "out.latents") > 1e-2, "the cached run differs from the full one");
    }
    // No calibration ships with this folder: --budget spreads the computed steps uniformly.
    Path budget = dir.resolve("b5.safetensors");
    r = sample(in, budget, "--budget", "5");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(error(budget, "out.latents") > 1e-2, "a budget of 5 of 10 steps reuses residuals");
  }

  @Test
  void refusesInputsWithoutTheModelsConditioningInOneLine() {
    Path in = dir.resolve("bad.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_pipeline_tiny").resolve("io.safetensors"))) {
      new SafetensorsWriter().put("in.noise", io.tensor("in.noise")).put("in.y", io.tensor("out.y")).write(in);
    }
    CliRunner r = sample(in, dir.resolve("o.safetensors"));
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + in + ": lacks tensor 'in.cond' (text embeddings) or 'in.mask'"), r.err());
  }
}
