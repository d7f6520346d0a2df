package dev.lemica.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.Warnings;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.SamplerNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A schedule or errors file made under another sampler is applied with one warning line; under the same one, silently. */
class SamplerProvenanceTest {
  static final String UNIPC = "UniPCMultistepScheduler(order 2, bh2, flow_shift 3.0)";
  @TempDir Path dir;

  private static List<String> warningsOf(Runnable r) {
    List<String> lines = new ArrayList<>();
    Consumer<String> old = Warnings.routeTo(lines::add);
    try {
      r.run();
    } finally {
      Warnings.routeTo(old);
    }
    return lines;
  }

  @Test
  void namesMatchWhenEqualOrRecordedByClassOnly() {
    assertTrue(SamplerNames.matches(UNIPC, UNIPC));
    assertTrue(SamplerNames.matches("UniPCMultistepScheduler", UNIPC));
    assertTrue(SamplerNames.matches("flow-matching-euler", new FlowMatchEuler(50, 3.0).describe()));
    assertTrue(SamplerNames.matches(null, UNIPC), "nothing recorded, nothing to warn about");
    assertFalse(SamplerNames.matches("flow-matching-euler", UNIPC));
    assertFalse(SamplerNames.matches("UniPCMultistepScheduler(order 2, bh2, flow_shift 5.0)", UNIPC));
    assertEquals("UniPCMultistepScheduler", SamplerNames.className(UNIPC));
  }

  @Test
  void aScheduleFileOfAnotherSamplerRunsWithAWarning() throws IOException {
    Path file = dir.resolve("b4.json");
    Provenance p = new Provenance(null, "errors.json", "m", "flow-matching-euler(shift 3.0)", 6, "batched");
    ScheduleFile.solved(Schedule.of(6, 0, 1, 3, 5), "lex-minimax", null, null, p).write(file);

    List<String> other = warningsOf(() -> assertEquals(4, ScheduleSource.parse(file.toString(), 6, false, UNIPC).schedule().budget()));
    assertEquals(1, other.size(), other.toString());
    assertTrue(other.get(0).startsWith(file.toString()) && other.get(0).contains("flow-matching-euler(shift 3.0)") && other.get(0).contains(UNIPC),
        other.get(0));
    assertEquals(List.of(), warningsOf(() -> ScheduleSource.parse(file.toString(), 6, false, "flow-matching-euler(shift 3.0)")));
    assertEquals(List.of(), warningsOf(() -> ScheduleSource.parse(file.toString(), 6, false)), "no sampler given, no check");
  }

  /** The embedded model's calibration names its sampler by class only: its own sampler applies it silently, another with a warning. */
  @Test
  void theEmbeddedCalibrationUnderItsOwnAndAnotherSampler() {
    Path model = EmbeddedModels.shapesWanT2v();
    String own = new FlowMatchEuler(50, 3.0).describe();
    assertEquals(List.of(), warningsOf(() -> ScheduleSource.forBudget(model, 50, 20, own)));
    List<String> other = warningsOf(() -> ScheduleSource.forBudget(model, 50, 20, UNIPC));
    assertEquals(1, other.size(), other.toString());
    assertTrue(other.get(0).contains("flow-matching-euler") && other.get(0).contains(UNIPC), other.get(0));
    // Budget 19 has no shipped schedule: solved from the shipped errors.json, whose metadata is checked.
    List<String> solved = warningsOf(() -> ScheduleSource.forBudget(model, 50, 19, UNIPC));
    assertEquals(1, solved.size(), solved.toString());
    assertTrue(solved.get(0).contains("errors.json"), solved.get(0));
  }
}
