package dev.lemica.schedule;

import static dev.lemica.testing.ConstantBlockStack.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lemica.cache.ResidualCache;
import dev.lemica.cache.ReuseRule;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.cli.CliRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schedule solved from errors measured under magnitude-ratio reuse carries that rule in its file
 * and runs under it wherever it is applied: --schedule FILE, and --budget on a folder's errors.
 */
class ScheduleReuseTest {
  @TempDir Path dir;

  /** Errors for T=4 measured under magnitude-ratio reuse with magnitudes 1, 2, 4, 8. */
  private Path errorsFile(Path folder) throws IOException {
    Files.createDirectories(folder);
    Path f = folder.resolve("errors.json");
    Files.writeString(f, """
        {"steps": 4,
         "errors": [[null, 0, 0.1, 0.9], [null, null, 0, 0.5], [null, null, null, 0], [null, null, null, null]],
         "sampler": "FlowMatchEuler(shift=3.0)",
         "reuse": {"rule": "magnitude-ratio", "magnitudes": [1, 2, 4, 8]}}
        """);
    return f;
  }

  /**
   * The schedule is 0,2,3 (lex-minimax: worst edge w(0,2) = 0.1 against w(1,3) = 0.5 on 0,1,3). Step
   * 0 computes a residual of 3; step 1 reuses it scaled by m[1]/m[0] = 2: 10 + 6, where plain reuse gives 13.
   */
  private static void assertRunsMagnitudeRatio(StaticSchedulePolicy policy) {
    assertEquals(Schedule.of(4, 0, 2, 3), policy.schedule());
    assertEquals(ReuseRule.magnitudeRatio(new double[] {1, 2, 4, 8}), policy.reuse());
    assertTrue(policy.describe().endsWith("magnitude-ratio reuse"), policy.describe());
    try (PointerScope scope = new PointerScope();
        ResidualCache cache = new ResidualCache(policy.start(4))) {
      cache.hook(0, "cond").apply(call(0, 3));
      assertEquals(16.0, cache.hook(1, "cond").apply(call(10, 99)).mean().item_double(), 1e-6);
    }
  }

  @Test
  void solveRecordsTheRuleAndTheScheduleFileRunsUnderIt() throws IOException {
    Path errors = errorsFile(dir);
    Path schedule = dir.resolve("b3.json");
    CliRunner r = CliRunner.run("solve", "--errors", errors.toString(), "--budget", "3", "--out", schedule.toString());
    assertEquals(0, r.exitCode(), r.err());
    var provenance = new ObjectMapper().readTree(schedule.toFile()).get("provenance");
    assertEquals("magnitude-ratio", provenance.get("reuse").get("rule").asText());
    assertEquals(4, provenance.get("reuse").get("magnitudes").size());

    assertRunsMagnitudeRatio(ScheduleSource.parse(schedule.toString(), 4, false));
  }

  @Test
  void aBudgetOnAFolderWithErrorsRunsUnderTheirRule() throws IOException {
    Path model = dir.resolve("model");
    Files.createDirectories(model.resolve("lemica"));
    Files.move(errorsFile(dir.resolve("tmp")), model.resolve(ScheduleSource.CALIBRATED_ERRORS));
    assertRunsMagnitudeRatio(ScheduleSource.forBudget(model, 4, 3));
  }

  @Test
  void plainErrorsGiveAPlainSchedule() throws IOException {
    Path errors = dir.resolve("plain.json");
    Files.writeString(errors, "{\"steps\": 3, \"errors\": [[null, 0, 0.2], [null, null, 0], [null, null, null]], \"reuse\": {\"rule\": \"plain\"}}");
    Path schedule = dir.resolve("p.json");
    assertEquals(0, CliRunner.run("solve", "--errors", errors.toString(), "--budget", "2", "--out", schedule.toString()).exitCode());
    assertTrue(new ObjectMapper().readTree(schedule.toFile()).path("provenance").path("reuse").isMissingNode(), "plain is not recorded");
    assertEquals(ReuseRule.PLAIN, ScheduleSource.parse(schedule.toString(), 3, false).reuse());
  }

  @Test
  void aBrokenRuleInAScheduleFileIsOneLineNamingIt() throws IOException {
    Path schedule = dir.resolve("bad.json");
    Files.writeString(schedule, """
        {"format": "lemica-schedule/1", "steps": 4, "budget": 2, "computed_steps": [0, 3], "objective": "lex-minimax",
         "provenance": {"steps": 4, "reuse": {"rule": "magnitude-ratio", "magnitudes": [1, 2]}}}
        """);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> ScheduleSource.parse(schedule.toString(), 4, false));
    assertTrue(e.getMessage().startsWith(schedule + ": provenance: ") && e.getMessage().contains("magnitudes"), e.getMessage());
  }
}
