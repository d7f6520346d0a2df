package dev.lemica.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.cli.CliRunner;
import dev.lemica.evaluation.CalibrationOverlap;
import dev.lemica.io.StrictJson;
import dev.lemica.solver.EdgeWeight;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.solver.SampledErrors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PooledErrorsTest {
  private static final int STEPS = 6;
  private static final int MAX_SKIP = 3;

  @TempDir Path dir;

  /** A complete calibration of {@code samples} samples whose edge (i, j) has error base + 100·k + 10·i + j for sample k. */
  private static EdgeErrors errors(int samples, double base) {
    EdgeErrors e = new EdgeErrors(STEPS, MAX_SKIP, samples);
    for (int k = 0; k < samples; k++) {
      for (int i = 0; i < STEPS; i++) {
        for (int j = 0; j < STEPS; j++) {
          if (e.isMeasuredEdge(i, j)) {
            e.set(k, i, j, base + 100 * k + 10 * i + j);
          }
        }
      }
    }
    return e;
  }

  private static CalibrationSetup setup(List<String> prompts, String noise, double guidance, List<Long> seeds) {
    return new CalibrationSetup("shapes-wan-t2v", prompts, noise, STEPS, 3.0, guidance, MAX_SKIP, "parallel", "cpu/float32",
        "flow-matching-euler", null, "plain", seeds);
  }

  private Path write(String name, CalibrationSetup setup, EdgeErrors errors, double seconds) {
    Path f = dir.resolve(name);
    ErrorsFile.write(f, setup, errors, seconds);
    return f;
  }

  @Test
  void poolsEverySampleInFileOrderWithTheirMeanSeedsAndSeconds() {
    // Two samples drawn together from seed 1234, then one drawn from seed 11: the first pair's seeds are not one each.
    Path a = write("a.json", setup(List.of("p", "q"), "seed 1234", 4.0, null), errors(2, 0), 10);
    Path b = write("b.json", setup(List.of("r"), "seed 11", 4.0, null), errors(1, 1000), 5);
    Path c = write("c.json", setup(List.of("p", "s"), "seeds", 4.0, List.of(7L, 8L)), errors(2, 2000), 1.5);
    PooledErrors pooled = PooledErrors.pool(List.of(a, b, c));
    assertEquals(List.of("p", "q", "r", "p", "s"), pooled.setup().prompts());
    assertNull(pooled.setup().seeds(), "the first file's samples have no seed each");
    assertEquals("pooled: seed 1234 (2 samples drawn together); seed 11; seeds", pooled.setup().noise());
    assertEquals(16.5, pooled.seconds(), 1e-12);
    Path out = dir.resolve("pooled.json");
    pooled.write(out);
    SampledErrors sampled = SampledErrors.read(out);
    assertEquals(5, sampled.samples());
    // Edge (1, 3): samples 13, 113 | 1013 | 2013, 2113: mean 1053, max 2113.
    ErrorMatrix mean = ErrorMatrix.read(out);
    assertEquals((13 + 113 + 1013 + 2013 + 2113) / 5.0, mean.error(1, 3), 1e-9);
    assertEquals(2113, sampled.matrix(EdgeWeight.MAX).error(1, 3), 1e-9);
    assertEquals(1013, sampled.select(new int[] {2}).matrix(EdgeWeight.MEAN).error(1, 3), 1e-9);
    // The pooled file says every calibrated seed, so evaluate knows which of its seeds are held out.
    JsonNode root = StrictJson.readObject(out);
    CalibrationOverlap overlap = CalibrationOverlap.of(Map.of("noise", root.get("noise"), "prompts", root.get("prompts")), List.of("x"), List.of(11L, 1234L, 99L));
    assertEquals(List.of(11L, 1234L), overlap.seeds());
  }

  @Test
  void seedsAreKeptWhenEveryFileTellsEachSamplesSeed() {
    Path a = write("a.json", setup(List.of("p"), "seed 1234", 4.0, null), errors(1, 0), 1);
    Path b = write("b.json", setup(List.of("q", "q"), "seeds", 4.0, List.of(5L, 6L)), errors(2, 0), 1);
    assertEquals(List.of(1234L, 5L, 6L), PooledErrors.pool(List.of(a, b)).setup().seeds());
  }

  @Test
  void aCalibrationWithSeedsContinuesFromItsOwnFile() {
    // Seeds go out as longs and come back as ints: the setup must still be the same.
    CalibrationSetup seeded = setup(List.of("q", "q"), "seeds", 4.0, List.of(5L, 6L));
    Path f = write("seeded.json", seeded, errors(2, 0), 1);
    assertNull(seeded.firstDifference(StrictJson.readObject(f)));
    assertEquals("seeds", setup(List.of("q", "q"), "seeds", 4.0, List.of(5L, 7L)).firstDifference(StrictJson.readObject(f)));
  }

  @Test
  void refusesFilesOfAnotherSetupOrUnfinishedInOneLine() {
    Path a = write("a.json", setup(List.of("p"), "seed 1", 4.0, null), errors(1, 0), 1);
    Path other = write("other.json", setup(List.of("q"), "seed 2", 5.0, null), errors(1, 0), 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PooledErrors.pool(List.of(a, other)));
    assertEquals(other + ": was calibrated with a different guidance (5.0) than " + a + " (4.0)", e.getMessage());
    EdgeErrors partial = new EdgeErrors(STEPS, MAX_SKIP, 1);
    partial.set(0, 0, 2, 0.5);
    Path unfinished = write("unfinished.json", setup(List.of("q"), "seed 2", 4.0, null), partial, 1);
    e = assertThrows(IllegalArgumentException.class, () -> PooledErrors.pool(List.of(a, unfinished)));
    assertTrue(e.getMessage().startsWith(unfinished + ": is not complete"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
    e = assertThrows(IllegalArgumentException.class, () -> PooledErrors.pool(List.of(a)));
    assertTrue(e.getMessage().contains("at least two"), e.getMessage());
  }

  @Test
  void theCommandWritesThePoolAndNamesABadFile() throws Exception {
    Path a = write("a.json", setup(List.of("p"), "seed 1", 4.0, null), errors(1, 0), 1);
    Path b = write("b.json", setup(List.of("q"), "seed 2", 4.0, null), errors(1, 0), 1);
    Path out = dir.resolve("pool.json");
    CliRunner r = CliRunner.run("pool", "--out", out.toString(), a.toString(), b.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("pooled 2 samples (2 prompts) of 2 files into " + out), r.out());
    assertEquals(2, SampledErrors.read(out).samples());
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"format\": \"something-else\"}");
    r = CliRunner.run("pool", "--out", out.toString(), a.toString(), broken.toString());
    assertEquals(1, r.exitCode());
    assertEquals("error: " + broken + ": not a lemica-errors/1 file (written by lemica calibrate)", r.err().strip());
  }
}
