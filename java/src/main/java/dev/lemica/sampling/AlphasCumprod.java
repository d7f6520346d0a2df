package dev.lemica.sampling;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * ᾱ_t, the cumulative product of 1 − β_t over the training timesteps, built with the very torch
 * operations the diffusers schedulers use (torch.linspace and torch.cumprod are not plain loops:
 * linspace fills from both ends, cumprod accumulates float32 in double), so the table matches to
 * the bit. DDIMScheduler keeps it in float32; CogVideoX's schedulers build scaled_linear betas in
 * float64 and keep a float64 table, SNR-shifted.
 */
final class AlphasCumprod {
  private final double[] values;
  private final boolean float32;

  private AlphasCumprod(double[] values, boolean float32) {
    this.values = values;
    this.float32 = float32;
  }

  /** DDIMScheduler's table: float32 betas, rescale_betas_zero_snr on the betas. */
  static AlphasCumprod ddim(SchedulerConfig c) {
    try (PointerScope scope = new PointerScope()) {
      Tensor betas = betas(c, ScalarType.Float, false);
      if (c.bool("rescale_betas_zero_snr", false)) {
        Tensor bar = rescaleZeroTerminalSnr(torch.cumprod(oneMinus(betas), 0));
        Tensor alphas = torch.cat(new TensorVector(bar.narrow(0, 0, 1), bar.narrow(0, 1, bar.size(0) - 1).div(bar.narrow(0, 0, bar.size(0) - 1))), 0);
        betas = oneMinus(alphas);
      }
      return of(torch.cumprod(oneMinus(betas), 0));
    }
  }

  /** CogVideoX's table: ᾱ / (s + (1 − s)·ᾱ) with s = snr_shift_scale, then the zero-terminal-SNR rescale of ᾱ itself. */
  static AlphasCumprod cogVideoX(SchedulerConfig c) {
    try (PointerScope scope = new PointerScope()) {
      Tensor ac = torch.cumprod(oneMinus(betas(c, ScalarType.Float, true)), 0);
      double s = c.number("snr_shift_scale", 3.0);
      ac = ac.div(ac.mul(new Scalar(1 - s)).add(new Scalar(s)));
      if (c.bool("rescale_betas_zero_snr", false)) {
        ac = rescaleZeroTerminalSnr(ac);
      }
      return of(ac);
    }
  }

  /**
   * The β schedule: trained_betas, linear, or scaled_linear (linspace of √β then squared; in float64
   * when {@code scaledLinearInDouble}, as CogVideoX builds it).
   */
  private static Tensor betas(SchedulerConfig c, ScalarType dtype, boolean scaledLinearInDouble) {
    int train = c.integer("num_train_timesteps", 1000);
    double start = c.number("beta_start", scaledLinearInDouble ? 0.00085 : 0.0001);
    double end = c.number("beta_end", scaledLinearInDouble ? 0.012 : 0.02);
    String schedule = c.choice("beta_schedule", scaledLinearInDouble ? "scaled_linear" : "linear", "linear", "scaled_linear");
    double[] trained = c.numbers("trained_betas");
    if (trained != null) {
      if (trained.length != train) {
        throw c.fault("\"trained_betas\" has " + trained.length + " entries for " + train + " training timesteps");
      }
      float[] f = new float[trained.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) trained[i];
      }
      return dev.lemica.torch.Tensors.fromFloats(f, f.length);
    }
    if (schedule.equals("linear")) {
      return torch.linspace(new Scalar(start), new Scalar(end), train, new TensorOptions(dtype));
    }
    ScalarType rootType = scaledLinearInDouble ? ScalarType.Double : dtype;
    Tensor roots = torch.linspace(new Scalar(Math.sqrt(start)), new Scalar(Math.sqrt(end)), train, new TensorOptions(rootType));
    return roots.mul(roots);
  }

  private static Tensor oneMinus(Tensor t) {
    return t.mul(new Scalar(-1)).add(new Scalar(1));
  }

  /** diffusers' rescale_zero_terminal_snr on √ᾱ: shifted so the last is 0, scaled so the first is kept. */
  private static Tensor rescaleZeroTerminalSnr(Tensor alphasCumprod) {
    Tensor root = alphasCumprod.sqrt();
    Tensor first = root.select(0, 0).clone();
    Tensor last = root.select(0, root.size(0) - 1).clone();
    root = root.sub(last);
    root = root.mul(first.div(first.sub(last)));
    return root.mul(root);
  }

  private static AlphasCumprod of(Tensor table) {
    boolean f32 = table.scalar_type().value == ScalarType.Float.value;
    Tensor d = table.to(new Device(torch.DeviceType.CPU), ScalarType.Double).contiguous();
    double[] v = new double[(int) d.numel()];
    new DoublePointer(d.const_data_ptr()).capacity(v.length).get(v);
    return new AlphasCumprod(v, f32);
  }

  int size() {
    return values.length;
  }

  /** ᾱ_t (a float32 value for a float32 table). */
  double at(long t) {
    return values[(int) t];
  }

  boolean isFloat32() {
    return float32;
  }

  double[] values() {
    return values.clone();
  }
}
