package dev.lemica.video;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Small videos with known content: what a codec should carry through. */
final class SyntheticVideos {
  private SyntheticVideos() {}

  /**
   * A smooth two-way gradient with a coloured square moving right and down by one pixel a frame,
   * a different colour per video. The square's edge ramps over two pixels, as rendered or generated
   * content does; a hard one-pixel colour edge would measure yuv420p's halved chroma, not the codec.
   *
   * @return (batch, 3, frames, height, width) in [-1, 1]
   */
  static Tensor movingSquare(int batch, int frames, int height, int width) {
    float[][] colors = {{0.7f, -0.5f, -0.3f}, {-0.4f, 0.6f, -0.3f}, {-0.3f, -0.2f, 0.7f}, {0.6f, 0.6f, -0.5f}};
    float side = Math.max(4, Math.min(height, width) / 3f);
    float[] data = new float[batch * 3 * frames * height * width];
    for (int b = 0; b < batch; b++) {
      for (int f = 0; f < frames; f++) {
        float x0 = (2 + f + 3 * b) % Math.max(1, width - side - 2);
        float y0 = (1 + f / 2f + b) % Math.max(1, height - side - 2);
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            // coverage: 1 inside, 0 outside, linear over 2 pixels at the border
            float dx = Math.min(x + 0.5f - x0, x0 + side - x - 0.5f);
            float dy = Math.min(y + 0.5f - y0, y0 + side - y - 0.5f);
            float cover = Math.max(0f, Math.min(1f, (Math.min(dx, dy) + 1f) / 2f));
            float[] background = {0.6f * x / width - 0.3f, 0.5f * y / height - 0.25f, 0.2f - 0.4f * (x + y) / (width + height)};
            for (int c = 0; c < 3; c++) {
              float v = cover * colors[b % colors.length][c] + (1 - cover) * background[c];
              data[(((b * 3 + c) * frames + f) * height + y) * width + x] = v;
            }
          }
        }
      }
    }
    return Tensors.fromFloats(data, batch, 3, frames, height, width);
  }

  /** PSNR in dB of two uint8 tensors of the same shape, peak 255. */
  static double psnr(Tensor a, Tensor b) {
    float[] x = Tensors.toFloats(a);
    float[] y = Tensors.toFloats(b);
    if (x.length != y.length) {
      throw new IllegalArgumentException(Tensors.shapeString(a) + " vs " + Tensors.shapeString(b));
    }
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - y[i];
      sum += d * d;
    }
    double mse = sum / x.length;
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }
}
