package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.StrictJson;
import dev.lemica.schedule.Schedule;
import dev.lemica.schedule.ScheduleFile;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.solver.Objective;
import dev.lemica.solver.ScheduleSolver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SolveCommandTest {
  @TempDir Path dir;
  Path errors;
  String out;
  String err;

  /** A 20-step matrix, max skip 6, errors larger at early steps and long skips. */
  @BeforeEach
  void writeMatrix() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      rows.append(i == 0 ? "[" : ",[");
      for (int j = 0; j < 20; j++) {
        String v = j <= i || j - i > 6 ? "null" : j == i + 1 ? "0" : Double.toString((20.0 - i) * (j - i - 1) / 100);
        rows.append(j == 0 ? v : "," + v);
      }
      rows.append("]");
    }
    errors = dir.resolve("errors.json");
    Files.writeString(errors, "{\"steps\": 20, \"max_skip\": 6, \"model\": \"dit-s\", \"sampler\": \"euler\","
        + " \"cfg_mode\": \"batched\", \"metric\": \"rel-l1\", \"errors\": [" + rows + "]}");
  }

  private int run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      return LemicaCli.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      out = o.toString(StandardCharsets.UTF_8);
      err = e.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void solvesOneBudgetPrintsStepsAndWorstErrorAndWritesTheFile() throws Exception {
    Path s = dir.resolve("s.json");
    assertEquals(0, run("solve", "--errors", errors.toString(), "--budget", "8", "--out", s.toString()), err);
    ErrorMatrix m = ErrorMatrix.read(errors);
    var want = ScheduleSolver.solve(m, 8, Objective.LEX_MINIMAX);
    assertTrue(out.contains(want.schedule().toList()), out);
    assertTrue(out.contains("worst edge error " + want.worstError()), out);
    ScheduleFile f = ScheduleFile.readFor(s, 20);
    assertEquals(want.schedule(), f.schedule());
    assertEquals("lex-minimax", f.objective());
    assertEquals(6, f.maxSkip());
    assertArrayEquals(want.sortedErrors(), f.edgeErrors());
    assertEquals(StrictJson.sha256(Files.readAllBytes(errors)), f.provenance().errorsSha256());
    assertEquals("dit-s", f.provenance().model());
    assertEquals("euler", f.provenance().sampler());
    assertEquals("batched", f.provenance().cfgMode());
    assertEquals(20, f.provenance().steps());
  }

  @Test
  void objectiveAndMaxSkipOptions() {
    assertEquals(0, run("solve", "--errors", errors.toString(), "--budget", "8", "--objective", "min-sum", "--max-skip", "3"), err);
    ErrorMatrix m = ErrorMatrix.read(errors).withMaxSkip(3);
    assertTrue(out.contains(ScheduleSolver.solve(m, 8, Objective.MIN_SUM).schedule().toList()), out);
    assertTrue(out.startsWith("min-sum schedule, budget 8 of 20 steps (max skip 3)"), out);
  }

  @Test
  void allBudgetsWritesOneFilePerFeasibleBudget() throws Exception {
    Path d = dir.resolve("curve");
    assertEquals(0, run("solve", "--errors", errors.toString(), "--all-budgets", "--objective", "minimax-sum", "--out", d.toString()), err);
    List<String> names;
    try (Stream<Path> files = Files.list(d)) {
      names = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    // 19 steps to cover with skips of at most 6: budgets 5..20.
    assertEquals(16, names.size(), names.toString());
    assertEquals("budget-05.json", names.get(0));
    assertEquals("budget-20.json", names.get(15));
    ErrorMatrix m = ErrorMatrix.read(errors);
    for (int b = 5; b <= 20; b++) {
      ScheduleFile f = ScheduleFile.read(d.resolve(String.format("budget-%02d.json", b)));
      assertEquals(ScheduleSolver.solve(m, b, Objective.MINIMAX_SUM).schedule(), f.schedule());
      assertEquals("minimax-sum", f.objective());
    }
    assertTrue(out.contains("budget  worst_error"), out);
    assertTrue(out.contains("wrote 16 schedule files"), out);
  }

  @Test
  void uniformIsWrittenWithItsErrors() throws Exception {
    Path s = dir.resolve("u.json");
    assertEquals(0, run("solve", "--errors", errors.toString(), "--budget", "8", "--uniform", "--out", s.toString()), err);
    ScheduleFile f = ScheduleFile.read(s);
    assertEquals(Schedule.uniform(20, 8), f.schedule());
    assertEquals("uniform", f.objective());
    assertEquals(7, f.edgeErrors().length);
    // Too few computed steps for the matrix's band: the schedule is still written, without errors.
    assertEquals(0, run("solve", "--errors", errors.toString(), "--budget", "3", "--uniform", "--out", s.toString()), err);
    assertTrue(out.contains("errors unknown"), out);
    assertEquals(null, ScheduleFile.read(s).edgeErrors());
  }

  private void failsWithOneLine(int code, String expected, String... args) {
    assertEquals(code, run(args), out + err);
    assertTrue(err.contains(expected), "expected '" + expected + "' in: " + err);
    if (code == 1) {
      assertEquals(1, err.lines().count(), err);
      assertTrue(err.startsWith("error: "), err);
    }
  }

  @Test
  void badInputsAreOneLineErrorsNamingTheFile() throws Exception {
    String e = errors.toString();
    failsWithOneLine(1, "error: " + e + ": budget 1 is too small", "solve", "--errors", e, "--budget", "1");
    failsWithOneLine(1, "error: " + e + ": budget 21 exceeds the 20 steps", "solve", "--errors", e, "--budget", "21");
    failsWithOneLine(1, "error: " + e + ": no schedule with budget 4: with max skip 6", "solve", "--errors", e, "--budget", "4");
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"steps\": 3, \"errors\": [[null, 0, 1], [null, null, 0]]}");
    failsWithOneLine(1, "error: " + bad + ": \"errors\" has 2 rows but \"steps\" is 3", "solve", "--errors", bad.toString(), "--budget", "2");
    Files.writeString(bad, "{\"steps\": 3, \"errors\": [[null, 0, 1]");
    failsWithOneLine(1, "error: " + bad + ": malformed JSON", "solve", "--errors", bad.toString(), "--budget", "2");
    failsWithOneLine(1, "error: " + dir.resolve("none.json") + ": no such file", "solve", "--errors", dir.resolve("none.json").toString(), "--budget", "2");
  }

  @Test
  void optionMistakesAreUsageErrors() {
    String e = errors.toString();
    failsWithOneLine(2, "give exactly one of --budget B and --all-budgets", "solve", "--errors", e);
    failsWithOneLine(2, "give exactly one of --budget B and --all-budgets", "solve", "--errors", e, "--budget", "5", "--all-budgets");
    failsWithOneLine(2, "unknown objective 'fast'", "solve", "--errors", e, "--budget", "5", "--objective", "fast");
    failsWithOneLine(2, "--uniform is not solved", "solve", "--errors", e, "--budget", "5", "--uniform", "--objective", "min-sum");
    failsWithOneLine(2, "--max-skip must be at least 1", "solve", "--errors", e, "--budget", "5", "--max-skip", "0");
    failsWithOneLine(2, "Missing required option: '--errors=FILE'", "solve", "--budget", "5");
  }

  @Test
  void helpDescribesTheOptionsAndFormats() {
    assertEquals(0, run("solve", "--help"));
    for (String s : new String[] {"--errors=FILE", "--budget=B", "--all-budgets", "--max-skip=L", "--objective=NAME",
        "lex-minimax", "min-sum", "minimax-sum", "--uniform", "--out=PATH", "budget-NN.json", "lemica-schedule/1"}) {
      assertTrue(out.contains(s), s + " missing from help:\n" + out);
    }
    assertFalse(out.contains("TODO"));
  }
}
