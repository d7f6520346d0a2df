package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `lemica launch`: two JVMs over Gloo on 127.0.0.1 give the single-process result; bad launches fail in one line. */
class LaunchCommandTest {
  @TempDir Path dir;

  private static String[] sample(Path out, String... extra) {
    String[] base = {"sample", "--model", Golden.dir("wan").toString(), "--inputs", Golden.dir("wan_cached_loop").resolve("io.safetensors").toString(),
        "--steps", "8", "--shift", "3", "--guidance", "5", "--schedule", "0,1,3,5,7", "--out", out.toString()};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return args;
  }

  private static String[] launch(String[] launchOptions, String[] command) {
    String[] args = new String[1 + launchOptions.length + command.length];
    args[0] = "launch";
    System.arraycopy(launchOptions, 0, args, 1, launchOptions.length);
    System.arraycopy(command, 0, args, 1 + launchOptions.length, command.length);
    return args;
  }

  @Test
  void twoRanksSplittingCfgGiveTheGoldenCachedLoop() {
    Path out = dir.resolve("two.safetensors");
    long start = System.nanoTime();
    CliRunner r = CliRunner.run(launch(new String[] {"--nproc", "2", "--timeout", "120"}, sample(out, "--parallel", "cfg")));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue((System.nanoTime() - start) / 1e9 < 300, "bounded");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan_cached_loop").resolve("io.safetensors"))) {
      double err = Tensors.relativeL2(o.tensor("out.sample"), io.tensor("out.b5"));
      assertTrue(err < 1e-5, "relative L2 " + err);
    }
    try (var files = java.nio.file.Files.list(dir)) {
      assertEquals(1, files.count(), "rank 0 alone wrote");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void twoRanksShareACalibrationAndWriteTheSingleProcessErrorsFile() {
    String[] calibrate = {"calibrate", "--model", Golden.dir("wan_pipeline_tiny").toString(), "--prompt", "a small red fox", "--height", "32",
        "--width", "48", "--frames", "9", "--steps", "6", "--seed", "3", "--max-skip", "3", "--cfg", "batched", "--quiet", "--out"};
    Path one = dir.resolve("one.json");
    Path two = dir.resolve("two.json");
    String[] single = java.util.Arrays.copyOf(calibrate, calibrate.length + 1);
    single[calibrate.length] = one.toString();
    assertEquals(0, CliRunner.run(single).exitCode());
    String[] shared = java.util.Arrays.copyOf(calibrate, calibrate.length + 1);
    shared[calibrate.length] = two.toString();
    CliRunner r = CliRunner.run(launch(new String[] {"--nproc", "2", "--timeout", "120"}, shared));
    assertEquals(0, r.exitCode(), r.err());
    var a = (com.fasterxml.jackson.databind.node.ObjectNode) dev.lemica.io.StrictJson.readObject(one);
    var b = (com.fasterxml.jackson.databind.node.ObjectNode) dev.lemica.io.StrictJson.readObject(two);
    a.remove("calibration_seconds");
    b.remove("calibration_seconds");
    // The same file; each rank runs LibTorch on its share of the cores, and BLAS may block its sums
    // differently with another thread count, so the errors agree to rounding, not to the bit.
    assertClose(a, b, "");
    try (var files = Files.list(dir)) {
      assertEquals(List.of("one.json", "two.json"), files.map(f -> f.getFileName().toString()).sorted().toList(), "no parts left");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Same keys, texts and nulls; numbers within 1e-5 relative. */
  private static void assertClose(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b, String path) {
    if (a.isNumber() && b.isNumber()) {
      double x = a.asDouble();
      double y = b.asDouble();
      assertTrue(Math.abs(x - y) <= 1e-5 * Math.max(Math.abs(x), Math.abs(y)) + 1e-12, path + ": " + x + " vs " + y);
      return;
    }
    assertEquals(a.getNodeType(), b.getNodeType(), path);
    if (a.isContainerNode()) {
      assertEquals(a.size(), b.size(), path);
      if (a.isArray()) {
        for (int i = 0; i < a.size(); i++) {
          assertClose(a.get(i), b.get(i), path + "[" + i + "]");
        }
      } else {
        a.fieldNames().forEachRemaining(k -> {
          assertTrue(b.has(k), path + "." + k + " missing");
          assertClose(a.get(k), b.get(k), path + "." + k);
        });
      }
    } else {
      assertEquals(a, b, path);
    }
  }

  private static void assertOneLineError(CliRunner r, String expected) {
    assertTrue(r.exitCode() != 0, r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
  }

  @Test
  void badLaunchesFailInOneLineBeforeStartingAnything() {
    String[] cmd = sample(dir.resolve("o.safetensors"));
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "0"}, cmd)), "--nproc must be at least 1, got 0");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "-3"}, cmd)), "--nproc must be at least 1, got -3");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "two"}, cmd)), "'two' is not an int");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "100000"}, cmd)), "--nproc 100000: more than 4 ranks per CPU core");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--master-port", "70000"}, cmd)), "--master-port 70000 is not a TCP port");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--master-port", "-1"}, cmd)), "--master-port -1 is not a TCP port");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--nnodes", "2"}, cmd)), "--nnodes 2: every host needs the same --master-port");
    assertOneLineError(
        CliRunner.run(launch(new String[] {"--nproc", "2", "--nnodes", "2", "--node-rank", "2", "--master-port", "29500"}, cmd)),
        "--node-rank 2 must be in 0..1 (--nnodes 2)");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--nnodes", "0"}, cmd)), "--nnodes must be at least 1, got 0");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--timeout", "0"}, cmd)), "--timeout must be a positive number of seconds");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--timeout", "NaN"}, cmd)), "--timeout must be a positive number of seconds");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--timeout", "1e300"}, cmd)), "up to 31536000, got 1.0E300");
    assertOneLineError(CliRunner.run(launch(new String[] {"--nproc", "2", "--master-addr", "no-such-host.invalid"}, cmd)),
        "--master-addr no-such-host.invalid: no such host");
    assertOneLineError(CliRunner.run(new String[] {"launch", "--nproc", "2", "solve", "--errors", "e.json"}), "'solve' does not run as several ranks");
    assertOneLineError(CliRunner.run(new String[] {"launch", "--nproc", "2"}), "Missing required parameter: 'COMMAND'");
    assertTrue(!Files.exists(dir.resolve("o.safetensors")));
  }
}
