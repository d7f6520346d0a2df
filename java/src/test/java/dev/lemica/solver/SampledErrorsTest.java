package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-sample errors reduced to one weight per edge. The hand case: T=5, budget 3 computes 0, x, 4.
 * Through x=1 the path has one edge 1->4 (0.0 on sample A, 0.3 on B); through x=2 two edges of 0.2
 * on both; through x=3 one edge 0->3 of 1.0. On the mean, 1->4 (0.15) beats 0.2, so lex-minimax
 * computes [0, 1, 4]; on the worst sample 1->4 is 0.3 and [0, 2, 4] wins.
 */
class SampledErrorsTest {
  private static final String FILE = "errors.json";

  private static String matrix(double w14, double w02, double w24, double w03) {
    return "[[null, 0, " + w02 + ", " + w03 + ", null], [null, null, 0, null, " + w14 + "], [null, null, null, 0, " + w24 + "],"
        + " [null, null, null, null, 0], [null, null, null, null, null]]";
  }

  private static final String A = matrix(0.0, 0.2, 0.2, 1.0);
  private static final String B = matrix(0.3, 0.2, 0.2, 1.0);
  private static final String C = matrix(0.1, 0.2, 0.2, 1.0);

  private static String file(String extra, String... perPrompt) {
    return "{\"format\": \"lemica-errors/1\", \"steps\": 5, \"max_skip\": 3, \"model\": \"m\", \"errors\": " + matrix(0.15, 0.2, 0.2, 1.0)
        + ", \"per_prompt\": [" + String.join(", ", perPrompt) + "]" + extra + "}";
  }

  private static SampledErrors parse(String json) {
    return SampledErrors.parse(json.getBytes(StandardCharsets.UTF_8), FILE, null);
  }

  private static List<Integer> solve(ErrorMatrix m) {
    return java.util.Arrays.stream(ScheduleSolver.solve(m, 3, Objective.LEX_MINIMAX).schedule().computedSteps()).boxed().toList();
  }

  @Test
  void theWorstSampleChoosesAnotherScheduleThanTheMean() {
    SampledErrors e = parse(file(", \"prompts\": [\"a\", \"a\"], \"seeds\": [1, 2]", A, B));
    assertEquals(2, e.samples());
    assertEquals(0.15, e.matrix(EdgeWeight.MEAN).error(1, 4), 1e-15);
    assertEquals(0.3, e.matrix(EdgeWeight.MAX).error(1, 4), 0);
    assertEquals(0.0, e.matrix(EdgeWeight.MAX).error(0, 1), 0, "adjacent steps stay free");
    assertEquals(List.of(0, 1, 4), solve(e.matrix(EdgeWeight.MEAN)));
    assertEquals(List.of(0, 2, 4), solve(e.matrix(EdgeWeight.MAX)));
    // q0.5 of {0, 0.3} is 0.15 (the mean of two); q0.9 is 0.27: still above 0.2.
    assertEquals(List.of(0, 2, 4), solve(e.matrix(EdgeWeight.quantile(0.9))));
    ErrorMatrix max = e.matrix(EdgeWeight.MAX);
    assertEquals("max", max.metadataString("edge_weight").orElseThrow());
    assertEquals(2, max.metadata().get("samples").asInt());
    assertEquals("m", max.metadataString("model").orElseThrow());
    assertFalse(max.metadata().containsKey("per_prompt"));
    assertEquals(List.of(1L, 2L), e.seeds());
  }

  @Test
  void aSelectionWeighsOnlyItsSamples() {
    SampledErrors e = parse(file("", A, B, C));
    SampledErrors ac = e.select(SampledErrors.parseSelection("0,2"));
    assertEquals(0.1, ac.matrix(EdgeWeight.MAX).error(1, 4), 0);
    assertEquals(List.of(0, 1, 4), solve(ac.matrix(EdgeWeight.MAX)));
    assertEquals(0.3, e.select(SampledErrors.parseSelection("1-2")).matrix(EdgeWeight.MAX).error(1, 4), 0);
    assertArrayEquals(new int[] {0, 1, 2, 5}, SampledErrors.parseSelection("0-2, 5"));
    assertEquals(List.of("", "", ""), e.prompts(), "a file without prompts names none");
  }

  @Test
  void anEdgeIsWeightedOnlyWhereEverySampleMeasuredIt() {
    String partial = matrix(0.0, 0.2, 0.2, 1.0).replace("1.0", "null");
    ErrorMatrix m = parse(file("", A, partial)).matrix(EdgeWeight.MAX);
    assertFalse(m.hasEdge(0, 3));
    assertTrue(m.hasEdge(0, 2));
  }

  private static void rejects(String json, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
  }

  @Test
  void refusesMalformedPerSampleErrors() {
    rejects(file(""), "no \"per_prompt\"");
    rejects(file("", "[[0]]"), "per_prompt[0] must be a 5x5 matrix");
    rejects(file("", A, A.replace("0.2,", "\"x\",")), "per_prompt[1][0][2] must be a number or null");
    rejects(file("", A.replace("0.2,", "-0.5,")), "per_prompt[0][0][2] is negative");
    rejects(file("", A.replace("[null, 0, 0.2", "[0.4, 0, 0.2")), "per_prompt[0][0][0] is set, but only entries with j > i");
    rejects(file(", \"seeds\": [1]", A, B), "\"seeds\" must list one seed per per_prompt matrix (2)");
    rejects(file(", \"seeds\": [1, 2.5]", A, B), "seeds[1] must be an integer");
    SampledErrors e = parse(file("", A, B));
    IllegalArgumentException out = assertThrows(IllegalArgumentException.class, () -> e.select(new int[] {0, 2}));
    assertEquals(FILE + ": sample 2 does not exist (the file has samples 0..1)", out.getMessage());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> e.select(new int[] {1, 1}));
    assertEquals(FILE + ": sample 1 is selected twice", twice.getMessage());
    IllegalArgumentException sel = assertThrows(IllegalArgumentException.class, () -> SampledErrors.parseSelection("0-x"));
    assertEquals("--samples: '0-x' is neither an index nor a range like 0-7", sel.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SampledErrors.parseSelection("3-1"));
  }
}
