package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sample --scheduler euler|unipc|FILE` on the golden Wan model. */
class SampleCommandTest {
  @TempDir Path dir;

  private CliRunner sample(String... extra) {
    String[] base = {"sample", "--model", Golden.dir("wan").toString(), "--inputs",
        Golden.dir("wan_cached_loop").resolve("io.safetensors").toString(), "--steps", "3", "--guidance", "5"};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return CliRunner.run(args);
  }

  private static void assertOneLineError(CliRunner r, String expected) {
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
  }

  @Test
  void theSchedulersRunAndDiffer() {
    Path euler = dir.resolve("euler.safetensors");
    Path unipc = dir.resolve("unipc.safetensors");
    Path file = dir.resolve("file.safetensors");
    assertEquals(0, sample("--shift", "3", "--out", euler.toString()).exitCode());
    assertEquals(0, sample("--scheduler", "unipc", "--shift", "3", "--out", unipc.toString()).exitCode());
    CliRunner fromFile = sample("--scheduler", Golden.dir("schedulers/unipc_flow").resolve("scheduler_config.json").toString(), "--out", file.toString());
    assertEquals(0, fromFile.exitCode(), fromFile.err());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile e = SafetensorsFile.open(euler);
        SafetensorsFile u = SafetensorsFile.open(unipc);
        SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(0.0, Tensors.relativeL2(f.tensor("out.sample"), u.tensor("out.sample")), 0.0, "the Wan2.1 config file is the built-in unipc");
      assertTrue(Tensors.relativeL2(u.tensor("out.sample"), e.tensor("out.sample")) > 1e-3, "UniPC is not Euler");
    }
  }

  @Test
  void badSchedulerChoices() throws IOException {
    Path out = dir.resolve("o.safetensors");
    assertOneLineError(sample("--scheduler", "unipc", "--out", out.toString()), "--scheduler unipc needs --shift");
    Path config = Golden.dir("schedulers/ddim_latte").resolve("scheduler_config.json");
    assertOneLineError(sample("--scheduler", config.toString(), "--shift", "3", "--out", out.toString()), "sets its own shift");
    Path garbage = dir.resolve("scheduler_config.json");
    Files.writeString(garbage, "{\"_class_name\": \"PNDMScheduler\"}");
    assertOneLineError(sample("--scheduler", garbage.toString(), "--out", out.toString()), garbage + ": _class_name 'PNDMScheduler'");
    assertOneLineError(sample("--scheduler", dir.resolve("none.json").toString(), "--out", out.toString()), "no such file");
  }
}
