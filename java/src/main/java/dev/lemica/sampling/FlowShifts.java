package dev.lemica.sampling;

/**
 * The sigma transforms diffusers' flow-matching schedulers share (FlowMatchEulerDiscrete and UniPC
 * with flow sigmas): the static shift, the resolution-dependent time shift, the stretch to a
 * terminal sigma. Arrays are float64 or float32 as numpy holds them at that point of
 * {@code set_timesteps} (float32 when the pipeline passed sigmas): a float32 array holds float
 * values and every operation on it rounds to float32, as numpy does, with Python scalars cast to
 * float32 when they meet it.
 */
final class FlowShifts {
  private FlowShifts() {}

  /** shift·s / (1 + (shift − 1)·s). */
  static double[] shift(double[] s, double shift, boolean f32) {
    double[] out = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      if (f32) {
        float x = (float) s[i];
        out[i] = ((float) shift * x) / (1f + (float) (shift - 1) * x);
      } else {
        out[i] = shift * s[i] / (1 + (shift - 1) * s[i]);
      }
    }
    return out;
  }

  /** {@code time_shift(mu, 1.0, t)}: e^mu / (e^mu + (1/t − 1)) (exponential) or mu / (mu + (1/t − 1)) (linear). */
  static double[] timeShift(String type, double mu, double[] t, boolean f32) {
    double c = type.equals("exponential") ? Math.exp(mu) : mu;
    double[] out = new double[t.length];
    for (int i = 0; i < t.length; i++) {
      if (f32) {
        float cf = (float) c;
        out[i] = cf / (cf + (1f / (float) t[i] - 1f));
      } else {
        out[i] = c / (c + (1 / t[i] - 1));
      }
    }
    return out;
  }

  /**
   * {@code stretch_shift_to_terminal}: rescales 1 − t so the last entry becomes {@code terminal}. The
   * scale factor is a float64 numpy scalar (numpy 1.x) that meets a float32 array rounded.
   */
  static double[] stretchToTerminal(double[] t, double terminal, boolean f32) {
    double lastOneMinus = f32 ? (double) (1f - (float) t[t.length - 1]) : 1 - t[t.length - 1];
    double scale = lastOneMinus / (1 - terminal);
    double[] out = new double[t.length];
    for (int i = 0; i < t.length; i++) {
      out[i] = f32 ? 1f - ((1f - (float) t[i]) / (float) scale) : 1 - (1 - t[i]) / scale;
    }
    return out;
  }

  /** diffusers' {@code calculate_shift}: mu linear in the image sequence length between the config's two points. */
  static double calculateShift(double imageSeqLen, double baseSeqLen, double maxSeqLen, double baseShift, double maxShift) {
    double m = (maxShift - baseShift) / (maxSeqLen - baseSeqLen);
    double b = baseShift - m * baseSeqLen;
    return imageSeqLen * m + b;
  }
}
