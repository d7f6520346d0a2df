package dev.lemica.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.solver.Objective;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleFileTest {
  private static final String SHA = "ab".repeat(32);
  private static final String FILE = "s.json";

  private static ScheduleFile sample() {
    return ScheduleFile.solved(
        Schedule.of(10, 0, 1, 3, 6, 9),
        "lex-minimax",
        4,
        new double[] {0.5, 0.25, 0.125, 0.0},
        new Provenance(SHA, "errors.json", "dit-xl", "euler", 10, "batched"));
  }

  private static ScheduleFile parse(String json) {
    return ScheduleFile.parse(json.getBytes(StandardCharsets.UTF_8), FILE);
  }

  @Test
  void writesAndReadsBackEverything(@TempDir Path dir) {
    ScheduleFile s = sample();
    Path f = dir.resolve("sub/s.json");
    s.write(f);
    ScheduleFile back = ScheduleFile.read(f);
    assertEquals(s.schedule(), back.schedule());
    assertEquals("lex-minimax", back.objective());
    assertEquals(4, back.maxSkip());
    assertArrayEquals(new double[] {0.5, 0.25, 0.125, 0.0}, back.edgeErrors());
    assertEquals(0.5, back.worstError());
    assertEquals(s.provenance(), back.provenance());
    assertNull(back.retargetedFrom());
    assertEquals(s.toJsonText(), back.toJsonText());
  }

  @Test
  void jsonHasTheDocumentedShape() {
    String json = sample().toJsonText();
    for (String key : new String[] {"\"format\" : \"lemica-schedule/1\"", "\"steps\" : 10", "\"budget\" : 5",
        "\"computed_steps\" : [ 0, 1, 3, 6, 9 ]", "\"objective\" : \"lex-minimax\"", "\"max_skip\" : 4",
        "\"edge_errors\"", "\"worst_error\" : 0.5", "\"errors_sha256\" : \"" + SHA + "\"", "\"cfg_mode\" : \"batched\""}) {
      assertTrue(json.contains(key), key + " in " + json);
    }
  }

  @Test
  void minimalFileIsEnough() {
    ScheduleFile s = parse("{\"format\": \"lemica-schedule/1\", \"steps\": 5, \"budget\": 3,"
        + " \"computed_steps\": [0, 2, 4], \"objective\": \"uniform\"}");
    assertEquals(Schedule.of(5, 0, 2, 4), s.schedule());
    assertNull(s.edgeErrors());
    assertNull(s.worstError());
    assertTrue(s.provenance().isEmpty());
  }

  @Test
  void everySolverObjectiveIsAValidFileObjective() {
    for (Objective o : Objective.values()) {
      assertTrue(ScheduleFile.OBJECTIVES.contains(o.cliName()), o.cliName());
    }
  }

  private static final String HEAD = "\"format\": \"lemica-schedule/1\", \"steps\": 5, \"objective\": \"min-sum\", ";

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"format\": \"lemica-schedule/1\", |malformed JSON",
        "[0, 2, 4]|expected a JSON object",
        "{\"steps\": 5, \"budget\": 3, \"computed_steps\": [0, 2, 4], \"objective\": \"min-sum\"}|missing \"format\"",
        "{\"format\": \"lemica-plan/1\", \"steps\": 5}|not a LeMiCa schedule",
        "{\"format\": 1, \"steps\": 5}|not a LeMiCa schedule: \"format\" is 1",
        "{\"format\": \"lemica-schedule/2\", \"steps\": 5}|schedule format version \"2\" is not supported",
        "{" + HEAD + "\"budget\": 3}|missing \"computed_steps\"",
        "{\"format\": \"lemica-schedule/1\", \"steps\": \"5\", \"budget\": 3, \"computed_steps\": [0, 2, 4], \"objective\": \"min-sum\"}|\"steps\" must be an integer, found the string \"5\"",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2.5, 4]}|computed_steps[1] must be a step index (an integer), found 2.5",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": \"0,2,4\"}|\"computed_steps\" must be an array",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 7]}|\"computed_steps\": schedule step 7 is outside 0..4",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 3]}|must compute the last step (4)",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [1, 2, 4]}|must compute the first step",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 3, 2, 4]}|strictly increasing",
        "{" + HEAD + "\"budget\": 4, \"computed_steps\": [0, 2, 4]}|\"budget\" is 4 but \"computed_steps\" lists 3 steps",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"comment\": 1}|unknown key \"comment\"",
        "{\"format\": \"lemica-schedule/1\", \"steps\": 5, \"budget\": 3, \"computed_steps\": [0, 2, 4], \"objective\": \"fastest\"}|\"objective\" must be one of",
        "{\"format\": \"lemica-schedule/1\", \"steps\": 5, \"budget\": 3, \"computed_steps\": [0, 2, 4]}|missing \"objective\"",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"max_skip\": 1}|computed steps 0 and 2 are 2 apart, more than max_skip 1",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"edge_errors\": [0.5]}|\"edge_errors\" has 1 entries, but budget 3 has 2 edges",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"edge_errors\": [0.25, 0.5]}|sorted in decreasing order",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"edge_errors\": [0.5, -1]}|edge_errors[1] = -1.0 is not a finite number >= 0",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"edge_errors\": [0.5, \"NaN\"]}|edge_errors[1] must be a number",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"edge_errors\": [0.5, 0.25], \"worst_error\": 0.25}|\"worst_error\" must equal",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"provenance\": {\"steps\": 50}}|provenance.steps is 50 but the schedule has 5 steps",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"provenance\": {\"seed\": 1}}|unknown key \"seed\" in \"provenance\"",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"provenance\": {\"errors_sha256\": \"xyz\"}}|64 lower-case hex",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"provenance\": {\"model\": 7}}|provenance.model must be a string",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"provenance\": []}|\"provenance\" must be an object",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"retargeted_from\": {\"steps\": 10, \"computed_steps\": [0, 4, 9]}, \"edge_errors\": [1, 0]}|a retargeted schedule cannot carry edge_errors",
        "{" + HEAD + "\"budget\": 3, \"computed_steps\": [0, 2, 4], \"retargeted_from\": {\"steps\": 9, \"computed_steps\": [0, 4, 10]}}|retargeted_from.computed_steps",
      })
  void rejectsBadFilesWithOneLineNamingTheFile(String json, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    String m = e.getMessage();
    assertTrue(m.startsWith(FILE + ": "), m);
    assertFalse(m.contains("\n"), m);
    assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
  }

  @Test
  void aScheduleForAnotherStepCountIsRejectedUnlessRetargeted(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("s50.json");
    ScheduleFile.solved(Schedule.of(50, 0, 1, 2, 5, 10, 20, 35, 49), "lex-minimax", 15, null,
        new Provenance(null, null, null, null, 50, null)).write(f);
    assertEquals(50, ScheduleFile.readFor(f, 50).schedule().steps());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScheduleFile.readFor(f, 30));
    assertEquals(f + ": the schedule is for 50 steps, not 30; retarget it explicitly to use it for 30 steps", e.getMessage());

    ScheduleFile r = ScheduleFile.readRetargeted(f, 30);
    assertEquals(Retarget.toSteps(Schedule.of(50, 0, 1, 2, 5, 10, 20, 35, 49), 30), r.schedule());
    assertEquals(50, r.retargetedFrom().steps());
    assertNull(r.maxSkip(), "max skip described the 50-step grid");
    assertNull(r.edgeErrors());
    Path g = dir.resolve("s30.json");
    r.write(g);
    String json = Files.readString(g);
    assertTrue(json.contains("\"retargeted_from\""), json);
    ScheduleFile back = ScheduleFile.readFor(g, 30);
    assertEquals(r.schedule(), back.schedule());
    assertEquals(r.retargetedFrom(), back.retargetedFrom());
    assertEquals(50, back.provenance().steps());
    // Retargeting again starts from the original, not from the already-rounded copy.
    assertEquals(Schedule.of(50, 0, 1, 2, 5, 10, 20, 35, 49), back.retarget(50).schedule());
    assertSame(back, back.retarget(30));
  }
}
