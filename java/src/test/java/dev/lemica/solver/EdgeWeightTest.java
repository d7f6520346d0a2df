package dev.lemica.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Edge weights over calibration samples, against values computed by hand (and NumPy's quantile). */
class EdgeWeightTest {
  private static final double[] SAMPLES = {0.3, 0.1, 0.7, 0.2};

  @Test
  void meanMaxAndQuantilesOfFourSamples() {
    assertEquals(0.325, EdgeWeight.MEAN.of(SAMPLES), 1e-15);
    assertEquals(0.7, EdgeWeight.MAX.of(SAMPLES), 0);
    // numpy.quantile([0.3, 0.1, 0.7, 0.2], q): sorted 0.1 0.2 0.3 0.7, h = 3q.
    assertEquals(0.58, EdgeWeight.quantile(0.9).of(SAMPLES), 1e-12); // 0.3 + 0.7*(0.7-0.3)
    assertEquals(0.25, EdgeWeight.quantile(0.5).of(SAMPLES), 1e-12);
    assertEquals(0.175, EdgeWeight.quantile(0.25).of(SAMPLES), 1e-12);
    assertEquals(0.1, EdgeWeight.quantile(0.01).of(new double[] {0.1}), 0, "one sample is its own quantile");
    assertEquals(0.3, SAMPLES[0], 0, "the samples are left as they were");
  }

  @Test
  void namesReadBack() {
    for (String name : new String[] {"mean", "max", "q0.9", "q0.75", "q0.5"}) {
      assertEquals(name, EdgeWeight.fromName(name).cliName());
    }
    assertEquals("q0.9", EdgeWeight.fromName(" Q0.90 ").cliName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"median", "q", "q1", "q0", "q-0.5", "q1.5", "qx", ""})
  void refusesOtherNames(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EdgeWeight.fromName(name));
    assertTrue(e.getMessage().contains("mean, max or a quantile"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }
}
