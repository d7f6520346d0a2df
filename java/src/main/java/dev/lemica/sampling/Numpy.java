package dev.lemica.sampling;

/**
 * The few numpy float64 constructions scheduler set-up runs through, reproduced to the bit: the
 * schedules are compared exactly with the Python ones, and numpy's linspace is not start + i·step.
 */
final class Numpy {
  private Numpy() {}

  /** {@code np.linspace(start, stop, num)}: i·step + start, the last entry exactly {@code stop}. */
  static double[] linspace(double start, double stop, int num) {
    double[] y = new double[num];
    if (num == 0) {
      return y;
    }
    double step = (stop - start) / Math.max(1, num - 1);
    for (int i = 0; i < num; i++) {
      y[i] = step == 0 ? (i / (double) Math.max(1, num - 1)) * (stop - start) + start : i * step + start;
    }
    if (num > 1) {
      y[num - 1] = stop;
    }
    return y;
  }

  /** {@code np.arange(start, stop, step)} for floats: start + i·delta over ceil((stop − start)/step) entries. */
  static double[] arange(double start, double stop, double step) {
    int n = (int) Math.max(0, Math.ceil((stop - start) / step));
    double delta = (start + step) - start;
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = start + i * delta;
    }
    return y;
  }
}
