package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.StrictJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorMatrixReaderTest {
  private static final String FILE = "m.json";

  private static ErrorMatrix parse(String json) {
    return ErrorMatrix.parse(json.getBytes(StandardCharsets.UTF_8), FILE);
  }

  /** The fault must be one line, name the file and say what is wrong. */
  private static void rejects(String json, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    String m = e.getMessage();
    assertTrue(m.startsWith(FILE + ": "), m);
    assertFalse(m.contains("\n"), m);
    assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
  }

  private static final String GOOD =
      "{\"steps\": 4, \"max_skip\": 2, \"model\": \"dit-xl\", \"metric\": \"rel-l1\", \"errors\": ["
          + "[null, 0, 0.5, null], [null, null, null, 0.25], [null, null, null, 0], [null, null, null, null]]}";

  @Test
  void readsMatrixMaxSkipAndMetadata() {
    ErrorMatrix m = parse(GOOD);
    assertEquals(4, m.steps());
    assertEquals(2, m.maxSkip());
    assertEquals(0.5, m.error(0, 2));
    assertEquals(0.25, m.error(1, 3));
    assertEquals(0.0, m.error(1, 2), "null w(i,i+1) is the edge with error 0");
    assertFalse(m.hasEdge(0, 3));
    assertEquals("dit-xl", m.metadataString("model").orElseThrow());
    assertTrue(m.metadata().containsKey("metric"));
    assertEquals(StrictJson.sha256(GOOD.getBytes(StandardCharsets.UTF_8)), m.sha256().orElseThrow());
  }

  @Test
  void roundTripsThroughToJson() {
    ErrorMatrix m = parse(GOOD);
    ErrorMatrix again = ErrorMatrix.parse(StrictJson.write(m.toJson()).getBytes(StandardCharsets.UTF_8), "again");
    assertEquals(m.steps(), again.steps());
    assertEquals(m.maxSkip(), again.maxSkip());
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        assertEquals(m.hasEdge(i, j), again.hasEdge(i, j));
        if (m.hasEdge(i, j)) {
          assertEquals(m.error(i, j), again.error(i, j));
        }
      }
    }
    assertEquals(m.metadata(), again.metadata());
  }

  @Test
  void partiallyMeasuredMatrixIsFine() {
    ErrorMatrix m = parse("{\"steps\": 3, \"errors\": [[null, null, null], [null, null, null], [null, null, null]]}");
    assertTrue(m.hasEdge(0, 1));
    assertFalse(m.hasEdge(0, 2));
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"steps\": 3, \"errors\": [[null, 0, 1], |malformed JSON at line 1",
        "[1, 2, 3]|expected a JSON object",
        "{\"steps\": 3, \"errors\": []} trailing|malformed JSON",
        "{\"errors\": []}|missing \"steps\"",
        "{\"steps\": \"3\", \"errors\": []}|\"steps\" must be an integer, found the string \"3\"",
        "{\"steps\": 3.5, \"errors\": []}|\"steps\" must be an integer, found 3.5",
        "{\"steps\": 1, \"errors\": [[null]]}|\"steps\" must be at least 2",
        "{\"steps\": 3}|missing \"errors\"",
        "{\"steps\": 3, \"errors\": {}}|\"errors\" must be an array of rows",
        "{\"steps\": 3, \"errors\": [[null,0,1],[null,null,0]]}|\"errors\" has 2 rows but \"steps\" is 3",
        "{\"steps\": 3, \"errors\": [[null,0,1],[null,null,0],[null,null,null],[null,null,null]]}|has 4 rows",
        "{\"steps\": 3, \"errors\": [[null,0,1],[null,null],[null,null,null]]}|errors[1] has 2 entries, expected 3",
        "{\"steps\": 3, \"errors\": [[null,0,1],7,[null,null,null]]}|errors[1] must be an array",
        "{\"steps\": 3, \"errors\": [[null,0,\"NaN\"],[null,null,0],[null,null,null]]}|errors[0][2] must be a number or null, found the string \"NaN\"",
        "{\"steps\": 3, \"errors\": [[null,0,true],[null,null,0],[null,null,null]]}|errors[0][2] must be a number or null, found true",
        "{\"steps\": 3, \"errors\": [[null,0,NaN],[null,null,0],[null,null,null]]}|malformed JSON",
        "{\"steps\": 3, \"errors\": [[null,0,-0.5],[null,null,0],[null,null,null]]}|errors[0][2] is negative (-0.5)",
        "{\"steps\": 3, \"errors\": [[null,0,1e999],[null,null,0],[null,null,null]]}|errors[0][2] is Infinity",
        "{\"steps\": 3, \"errors\": [[null,0,1e305],[null,null,0],[null,null,null]]}|larger than the maximum",
        "{\"steps\": 3, \"errors\": [[null,0.3,1],[null,null,0],[null,null,null]]}|errors[0][1] is 0.3, but adjacent steps reuse nothing",
        "{\"steps\": 3, \"errors\": [[0,0,1],[null,null,0],[null,null,null]]}|errors[0][0] is set, but only entries with j > i are edges",
        "{\"steps\": 3, \"errors\": [[null,0,1],[0.5,null,0],[null,null,null]]}|errors[1][0] is set, but only entries with j > i",
        "{\"steps\": 3, \"max_skip\": 1, \"errors\": [[null,0,1],[null,null,0],[null,null,null]]}|errors[0][2] is set, but it skips 2 steps, more than max_skip 1",
        "{\"steps\": 3, \"max_skip\": 0, \"errors\": []}|\"max_skip\" must be at least 1",
        "{\"steps\": 3, \"max_skip\": \"all\", \"errors\": []}|\"max_skip\" must be an integer",
        "{\"steps\": 3, \"steps\": 4, \"errors\": []}|Duplicate field 'steps'",
        "''|the file is empty",
      })
  void rejectsBadInputWithOneLineNamingTheFile(String json, String expected) {
    rejects(json, expected);
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) {
    Path nowhere = dir.resolve("absent.json");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ErrorMatrix.read(nowhere));
    assertEquals(nowhere + ": no such file", e.getMessage());
  }

  @Test
  void readsFromDiskWithTheFileNameAsSource(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("errors.json");
    Files.writeString(f, GOOD);
    assertEquals(f.toString(), ErrorMatrix.read(f).source());
  }

  @Test
  void builderRejectsWhatTheReaderRejects() {
    ErrorMatrix.Builder b = ErrorMatrix.builder(4).source("mem");
    assertThrows(IllegalArgumentException.class, () -> b.error(0, 2, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> b.error(0, 2, -1));
    assertThrows(IllegalArgumentException.class, () -> b.error(0, 1, 0.1));
    assertThrows(IllegalArgumentException.class, () -> b.error(2, 1, 0.1));
    assertThrows(IllegalArgumentException.class, () -> b.error(0, 4, 0.1));
    b.error(0, 3, 1.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.maxSkip(2).build());
    assertTrue(e.getMessage().contains("more than max_skip 2"), e.getMessage());
  }

  @Test
  void negativeZeroIsZero() {
    ErrorMatrix m = ErrorMatrix.builder(3).error(0, 2, -0.0).build();
    assertEquals(0, Double.compare(0.0, m.error(0, 2)));
  }

  @Test
  void withMaxSkipOnlyTightens() {
    ErrorMatrix m = parse(GOOD);
    assertEquals(1, m.withMaxSkip(1).maxSkip());
    assertFalse(m.withMaxSkip(1).hasEdge(0, 2));
    assertEquals(2, m.withMaxSkip(5).maxSkip());
  }
}
