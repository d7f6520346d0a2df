package dev.lemica.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lemica.cache.FullCompute;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Wins counted by hand on two samples: the mean can favour one policy while the worst sample favours another. */
class ComparisonsTest {
  private static VariantResult result(String policy, int budget, double[] psnr, double[] ssim, double[] mae) {
    VideoMetrics.Scores[] s = new VideoMetrics.Scores[psnr.length];
    for (int k = 0; k < s.length; k++) {
      s[k] = new VideoMetrics.Scores(psnr[k], ssim[k], mae[k]);
    }
    return new VariantResult(new Variant(policy, budget, 10, FullCompute.INSTANCE), s, budget, 2 * budget, 1, 2, 20, 10);
  }

  // B=5: lemica has the higher mean PSNR (31 vs 25) but collapses on sample 1 (12 vs 20).
  private static final List<VariantResult> RESULTS = List.of(
      result("lemica lex-minimax", 5, new double[] {50, 12}, new double[] {0.9, 0.5}, new double[] {0.01, 0.09}),
      result("uniform", 5, new double[] {30, 20}, new double[] {0.8, 0.7}, new double[] {0.02, 0.05}),
      result("lemica lex-minimax", 8, new double[] {40, 30}, new double[] {0.95, 0.9}, new double[] {0.01, 0.02}),
      result("uniform", 8, new double[] {40, 30}, new double[] {0.9, 0.8}, new double[] {0.02, 0.03}),
      result("schedule [0, 9]", 2, new double[] {1, 1}, new double[] {0, 0}, new double[] {1, 1}));

  @Test
  void worstSampleScores() {
    VariantResult r = RESULTS.get(0);
    assertEquals(31, r.meanPsnr(), 1e-12);
    assertEquals(12, r.worstPsnr(), 0);
    assertEquals(0.5, r.worstSsim(), 0);
    assertEquals(0.09, r.worstMae(), 0);
    assertEquals(1, r.worstPsnrSample());
  }

  @Test
  void bestPerBudgetAndMetricAndTheTally() {
    Comparisons c = new Comparisons(RESULTS);
    assertEquals(Set.of(5, 8), c.budgets(), "a schedule without a budget of its own takes no part");
    assertEquals(List.of("lemica lex-minimax"), c.best(5, Comparisons.Metric.MEAN_PSNR));
    assertEquals(List.of("uniform"), c.best(5, Comparisons.Metric.WORST_PSNR));
    // mean SSIM 0.7 vs 0.75; mean MAE 0.05 vs 0.035: uniform on both at B=5.
    assertEquals(List.of("uniform"), c.best(5, Comparisons.Metric.MEAN_SSIM));
    assertEquals(List.of("uniform"), c.best(5, Comparisons.Metric.MEAN_MAE));
    assertEquals(List.of("lemica lex-minimax", "uniform"), c.best(8, Comparisons.Metric.MEAN_PSNR), "a tie names both");
    // B=5: 1 of 4 (mean PSNR); B=8: SSIM and MAE, not the tied PSNRs: 3 of 8.
    assertEquals(new Comparisons.Tally("lemica lex-minimax", 3, 8), c.tally("lemica lex-minimax", Set.of("uniform")));
    assertEquals(new Comparisons.Tally("uniform", 3, 8), c.tally("uniform", Set.of("lemica lex-minimax")));
    String table = c.markdown();
    assertTrue(table.contains("| 5 | lemica lex-minimax (31.00) | uniform (0.7500) | uniform (0.0350) | uniform (20.00) |"), table);
  }

  @Test
  void json() throws Exception {
    JsonNode j = new ObjectMapper().readTree(new Comparisons(RESULTS).json(List.of("lemica lex-minimax")).toString());
    assertEquals(3, j.get("tallies").get(0).get("wins").asInt());
    assertEquals(8, j.get("tallies").get(0).get("comparisons").asInt());
    assertEquals("uniform", j.get("best").get(0).get("worst PSNR").get(0).asText());
  }

  @Test
  void overlapWithTheCalibration() {
    ObjectMapper m = new ObjectMapper();
    Map<String, JsonNode> perSeed = Map.of("prompts", m.valueToTree(List.of("red circle", "red circle")), "seeds", m.valueToTree(List.of(1, 2)));
    CalibrationOverlap o = CalibrationOverlap.of(perSeed, List.of("blue square", "red circle"), List.of(2L, 7L));
    assertEquals(List.of("red circle"), o.prompts());
    assertEquals(List.of(2L), o.seeds());
    assertTrue(o.describe().startsWith("not held out"), o.describe());
    Map<String, JsonNode> oneSeed = Map.of("prompts", m.valueToTree(List.of("red circle")), "noise", m.valueToTree("seed 0"));
    assertEquals(List.of(0L), CalibrationOverlap.of(oneSeed, List.of("blue square"), List.of(0L)).seeds());
    assertTrue(CalibrationOverlap.of(oneSeed, List.of("blue square"), List.of(5L)).heldOut());
    assertTrue(CalibrationOverlap.of(Map.of(), List.of("x"), List.of(0L)).heldOut(), "a file that names nothing shares nothing known");
  }
}
