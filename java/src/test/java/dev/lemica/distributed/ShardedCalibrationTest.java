package dev.lemica.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.calibration.CalibrationJob;
import dev.lemica.calibration.CalibrationListener;
import dev.lemica.calibration.CalibrationSetup;
import dev.lemica.calibration.EdgeErrors;
import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.Guidance;
import dev.lemica.solver.EdgeWeight;
import dev.lemica.text.PromptEmbeddings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A calibration whose groups are shared by 2 ranks writes the errors file one process writes, and
 * one continued from the part an interrupted 3-rank run left measures only what that part lacks.
 */
class ShardedCalibrationTest {
  static final int STEPS = 8;
  static final int MAX_SKIP = 3;
  static PointerScope scope;
  static InferenceMode inference;
  static DiffusionTransformer wan;
  static SafetensorsFile io;
  static Path single;

  @TempDir static Path shared;
  @TempDir Path dir;

  /** The golden Wan transformer and the cached loop's text and noise: the sharding, not the model, is under test. */
  @BeforeAll
  static void load() {
    scope = new PointerScope();
    inference = new InferenceMode();
    wan = Models.load(Golden.dir("wan"), ComputeTarget.CPU_FLOAT32);
    io = SafetensorsFile.open(Golden.dir("wan_cached_loop").resolve("io.safetensors"));
    single = shared.resolve("single.json");
    CalibrationJob job = job();
    job.run(job.initialErrors(single), single, CalibrationListener.NONE);
  }

  @AfterAll
  static void close() {
    io.close();
    wan.close();
    inference.close();
    scope.close();
  }

  static CalibrationJob job() {
    CalibrationSetup setup = new CalibrationSetup("wan golden", List.of("in.cond"), "in.noise", STEPS, 3.0, 5.0, MAX_SKIP, "batched", "cpu/float32");
    return new CalibrationJob(
        wan, new PromptEmbeddings(io.tensor("in.cond"), io.tensor("in.uncond")), io.tensor("in.noise"), setup, GuidedDenoiser.Branches.BATCHED, 16);
  }

  /** The same calibration with magnitude-ratio reuse and the worst-sample edge weight. */
  static CalibrationJob magnitudeJob() {
    FlowMatchEuler euler = new FlowMatchEuler(STEPS, 3.0);
    CalibrationSetup setup = new CalibrationSetup(
        "wan golden", List.of("in.cond"), "in.noise", STEPS, 3.0, 5.0, MAX_SKIP, "batched", "cpu/float32", euler.describe(), null,
        "magnitude-ratio", null);
    return new CalibrationJob(
        wan, Map.of("encoder_hidden_states", io.tensor("in.cond")), Map.of("encoder_hidden_states", io.tensor("in.uncond")),
        Guidance.classifierFree(5.0), io.tensor("in.noise"), setup, euler, GuidedDenoiser.Branches.BATCHED, 16, EdgeWeight.MAX);
  }

  /** The merged file keeps the edge weight and the magnitudes each rank measured its edges under. */
  @Test
  void twoRanksKeepTheEdgeWeightAndTheReuseRule() {
    Path alone = dir.resolve("alone.json");
    CalibrationJob job = magnitudeJob();
    job.run(job.initialErrors(alone), alone, CalibrationListener.NONE);
    Path out = dir.resolve("magnitude.json");
    ThreadRanks.run(2, Duration.ofSeconds(60), session -> ShardedCalibration.run(magnitudeJob(), out, session.hostWorld(), CalibrationListener.NONE));
    ObjectNode merged = withoutTiming(out);
    assertEquals("max", merged.get("edge_weight").asText());
    assertEquals("magnitude-ratio", merged.get("reuse").get("rule").asText());
    assertEquals(STEPS, merged.get("reuse").get("magnitudes").size());
    assertEquals(withoutTiming(alone), merged);
  }

  /** The errors file without its timing, which differs between any two runs. */
  static ObjectNode withoutTiming(Path file) {
    ObjectNode n = (ObjectNode) StrictJson.readObject(file);
    n.remove("calibration_seconds");
    return n;
  }

  /** Every rank's share, measured in units of the progress listener. */
  static long[] calibrate(Path out, int ranks) {
    List<Long> units = ThreadRanks.run(ranks, Duration.ofSeconds(60), session -> {
      AtomicLong measured = new AtomicLong();
      CalibrationListener counting = new CalibrationListener() {
        @Override
        public void started(long totalUnits) {
          measured.set(totalUnits);
        }
      };
      EdgeErrors merged = ShardedCalibration.run(job(), out, session.hostWorld(), counting);
      assertTrue(merged.complete(), "rank " + session.rank() + " holds every edge");
      return measured.get();
    });
    return units.stream().mapToLong(Long::longValue).toArray();
  }

  /** The group measurements of the ranks' shares: a rank with groups to measure also runs the reference (STEPS units). */
  static long groupUnits(long[] units) {
    long sum = 0;
    for (long u : units) {
      sum += u > 0 ? u - STEPS : 0;
    }
    return sum;
  }

  static void assertNoPartsLeft(Path out) throws IOException {
    try (var files = Files.list(out.getParent())) {
      assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains(".part-")).toList());
    }
  }

  @Test
  void twoRanksWriteTheSingleProcessErrorsFile() throws IOException {
    Path out = dir.resolve("errors.json");
    long[] units = calibrate(out, 2);
    assertEquals(withoutTiming(single), withoutTiming(out));
    assertNoPartsLeft(out);
    assertTrue(units[0] > STEPS && units[1] > STEPS, "both ranks measured groups: " + java.util.Arrays.toString(units));
    long all = 0;
    for (int j = 2; j < STEPS; j++) {
      all += new EdgeErrors(STEPS, MAX_SKIP, 1).groupCost(j);
    }
    assertEquals(all, groupUnits(units), "every group is measured once");
  }

  @Test
  void aRerunContinuesFromThePartsOfAnInterruptedRun() throws IOException {
    Path out = dir.resolve("errors.json");
    // What rank 1 of an interrupted 3-rank run had saved: the groups ending at steps 3 and 5.
    Path leftover = ShardedCalibration.part(out, 1, 3);
    CalibrationJob job = job();
    job.run(job.initialErrors(out), leftover, CalibrationListener.NONE, j -> j == 3 || j == 5);
    EdgeErrors left = dev.lemica.calibration.ErrorsFile.resume(leftover, job.setup());
    assertTrue(left.groupComplete(3) && left.groupComplete(5) && !left.groupComplete(4));

    long[] units = calibrate(out, 2);
    assertEquals(withoutTiming(single), withoutTiming(out));
    assertNoPartsLeft(out);
    EdgeErrors none = new EdgeErrors(STEPS, MAX_SKIP, 1);
    long missing = 0;
    for (int j = 2; j < STEPS; j++) {
      missing += j == 3 || j == 5 ? 0 : none.groupCost(j);
    }
    assertEquals(missing, groupUnits(units), "only the groups the part lacks are measured: " + java.util.Arrays.toString(units));
  }
}
