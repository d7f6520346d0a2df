package dev.lemica.solver;

import java.util.Arrays;
import java.util.Locale;

/**
 * How one edge weight is made from an edge's errors on the calibration samples (prompt and noise
 * pairs). The mean is LeMiCa's average case; the maximum applies the minimax idea across samples
 * too, so that a path is judged by the sample it hurts most; a quantile sits in between and
 * ignores the few worst samples.
 */
public sealed interface EdgeWeight {
  EdgeWeight MEAN = new Mean();
  EdgeWeight MAX = new Max();

  /** The weight of one edge from its per-sample errors (at least one, none NaN). */
  double of(double[] samples);

  /** The name on the command line and in files: mean, max, or q0.9. */
  String cliName();

  /** The quantile {@code q} in (0, 1) with linear interpolation between order statistics (NumPy's default). */
  static EdgeWeight quantile(double q) {
    return new Quantile(q);
  }

  /**
   * Parses {@code mean}, {@code max} or {@code qQ} (a quantile, 0 &lt; Q &lt; 1, e.g. {@code q0.9}).
   *
   * @throws IllegalArgumentException naming what was expected
   */
  static EdgeWeight fromName(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    if (n.equals("mean")) {
      return MEAN;
    }
    if (n.equals("max")) {
      return MAX;
    }
    if (n.startsWith("q")) {
      try {
        return quantile(Double.parseDouble(n.substring(1)));
      } catch (IllegalArgumentException e) {
        // not a number, or outside (0, 1): the message below says what is accepted
      }
    }
    throw new IllegalArgumentException(
        "unknown edge weight '" + name + "'; expected mean, max or a quantile qQ with 0 < Q < 1 (e.g. q0.9)");
  }

  record Mean() implements EdgeWeight {
    @Override
    public double of(double[] samples) {
      double sum = 0;
      for (double v : samples) {
        sum += v;
      }
      return sum / samples.length;
    }

    @Override
    public String cliName() {
      return "mean";
    }
  }

  record Max() implements EdgeWeight {
    @Override
    public double of(double[] samples) {
      double m = samples[0];
      for (double v : samples) {
        m = Math.max(m, v);
      }
      return m;
    }

    @Override
    public String cliName() {
      return "max";
    }
  }

  /** The q-quantile: sorted x, h = (n−1)·q, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). */
  record Quantile(double q) implements EdgeWeight {
    public Quantile {
      if (!(q > 0 && q < 1)) {
        throw new IllegalArgumentException("a quantile edge weight needs 0 < q < 1, got " + q);
      }
    }

    @Override
    public double of(double[] samples) {
      double[] x = samples.clone();
      Arrays.sort(x);
      double h = (x.length - 1) * q;
      int lo = (int) Math.floor(h);
      if (lo + 1 >= x.length) {
        return x[x.length - 1];
      }
      return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
    }

    @Override
    public String cliName() {
      return "q" + stripped(q);
    }

    private static String stripped(double q) {
      return new java.math.BigDecimal(Double.toString(q)).stripTrailingZeros().toPlainString();
    }
  }
}
