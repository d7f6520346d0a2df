package dev.lemica.evaluation;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Quality of a video against a reference, per sample. Videos (B, C, F, H, W) in [-1, 1] are first
 * mapped to [0, 1] as (x+1)/2 and clamped, as an 8-bit export would see them.
 *
 * <ul>
 *   <li>PSNR: 10·log10(1 / MSE) over all of a sample's values; capped at 100 dB for identical videos.
 *   <li>SSIM: the Wang et al. index with an 11×11 Gaussian window (σ 1.5), K1 0.01, K2 0.03, data
 *       range 1, over the window positions that fit inside the frame, for every frame and channel,
 *       then averaged.
 *   <li>MAE: mean |a − b| over all of a sample's values.
 * </ul>
 */
public final class VideoMetrics {
  public static final double PSNR_CAP = 100.0;
  private static final int WINDOW = 11;
  private static final double SIGMA = 1.5;
  private static final double C1 = 0.01 * 0.01;
  private static final double C2 = 0.03 * 0.03;
  private static final double[] KERNEL = gaussian();

  /** Metrics of one sample. */
  public record Scores(double psnr, double ssim, double mae) {}

  private VideoMetrics() {}

  public static Scores[] compare(Tensor videos, Tensor reference) {
    if (!Tensors.sameShape(videos, reference) || videos.dim() != 5) {
      throw new IllegalArgumentException(
          "videos must both be (B, C, F, H, W) of one shape, got " + Tensors.shapeString(videos) + " and " + Tensors.shapeString(reference));
    }
    long[] s = Tensors.shape(videos);
    int batch = (int) s[0];
    int planes = (int) (s[1] * s[2]);
    int h = (int) s[3];
    int w = (int) s[4];
    float[] a = Tensors.toFloats(videos);
    float[] b = Tensors.toFloats(reference);
    int per = planes * h * w;
    Scores[] out = new Scores[batch];
    for (int n = 0; n < batch; n++) {
      double se = 0;
      double ae = 0;
      double ssim = 0;
      for (int p = 0; p < planes; p++) {
        int offset = n * per + p * h * w;
        double[] x = new double[h * w];
        double[] y = new double[h * w];
        for (int k = 0; k < h * w; k++) {
          x[k] = unit(a[offset + k]);
          y[k] = unit(b[offset + k]);
          double d = x[k] - y[k];
          se += d * d;
          ae += Math.abs(d);
        }
        ssim += ssim(x, y, h, w);
      }
      double mse = se / per;
      double psnr = mse == 0 ? PSNR_CAP : Math.min(PSNR_CAP, 10 * Math.log10(1.0 / mse));
      out[n] = new Scores(psnr, ssim / planes, ae / per);
    }
    return out;
  }

  static double unit(float v) {
    return Math.max(0.0, Math.min(1.0, (v + 1.0) / 2.0));
  }

  /** Mean SSIM of one plane over every window position that fits (frames smaller than the window use the whole frame). */
  static double ssim(double[] x, double[] y, int h, int w) {
    if (h < WINDOW || w < WINDOW) {
      return ssimOfWindow(x, y, 0, 0, h, w, null);
    }
    double total = 0;
    int count = 0;
    for (int r = 0; r + WINDOW <= h; r++) {
      for (int c = 0; c + WINDOW <= w; c++) {
        total += ssimOfWindow(x, y, r, c, WINDOW, w, KERNEL);
        count++;
      }
    }
    return total / count;
  }

  private static double ssimOfWindow(double[] x, double[] y, int r0, int c0, int size, int w, double[] kernel) {
    int rows = kernel == null ? x.length / w : size;
    int cols = kernel == null ? w : size;
    double sw = 0;
    double mx = 0;
    double my = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double k = kernel == null ? 1 : kernel[r] * kernel[c];
        int i = (r0 + r) * w + c0 + c;
        sw += k;
        mx += k * x[i];
        my += k * y[i];
      }
    }
    mx /= sw;
    my /= sw;
    double vx = 0;
    double vy = 0;
    double cov = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double k = kernel == null ? 1 : kernel[r] * kernel[c];
        int i = (r0 + r) * w + c0 + c;
        double dx = x[i] - mx;
        double dy = y[i] - my;
        vx += k * dx * dx;
        vy += k * dy * dy;
        cov += k * dx * dy;
      }
    }
    vx /= sw;
    vy /= sw;
    cov /= sw;
    return ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
  }

  private static double[] gaussian() {
    double[] k = new double[WINDOW];
    double sum = 0;
    for (int i = 0; i < WINDOW; i++) {
      double d = i - WINDOW / 2;
      k[i] = Math.exp(-d * d / (2 * SIGMA * SIGMA));
      sum += k[i];
    }
    for (int i = 0; i < WINDOW; i++) {
      k[i] /= sum;
    }
    return k;
  }
}
