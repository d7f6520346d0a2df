package dev.lemica.nn;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Fixed sinusoidal position embeddings added to tokens (not rotations: see {@link RotaryAngles}):
 * diffusers' {@code get_1d_sincos_pos_embed_from_grid} and {@code get_2d_sincos_pos_embed}, as
 * PixArt, SD3, Latte and CogVideoX 1.0 build them, op for op in float64 (frequencies 1/10000^(k/(D/2))).
 */
public final class SinCosPositions {
  private SinCosPositions() {}

  /**
   * [sin(p·ω_k), cos(p·ω_k)] for k &lt; dim/2, ω_k = 1/10000^(k/(dim/2)): (positions, dim) float64.
   *
   * @param positions any shape, read flattened; float32 positions are widened exactly
   */
  public static Tensor oneD(int dim, Tensor positions) {
    if (dim <= 0 || dim % 2 != 0) {
      throw new IllegalArgumentException("sin-cos embedding width must be positive and even, got " + dim);
    }
    TensorOptions f64 = new TensorOptions(ScalarType.Double).device(new DeviceOptional(positions.device()));
    Tensor omega = torch.arange(new Scalar(dim / 2), f64).div(new Scalar(dim / 2.0));
    omega = torch.pow(new Scalar(10000.0), omega).reciprocal();
    Tensor angles = torch.outer(positions.reshape(-1).to(ScalarType.Double), omega);
    return torch.cat(new TensorVector(torch.sin(angles), torch.cos(angles)), 1);
  }

  /**
   * The 2D table of a rows × columns patch grid, (rows·columns, dim) float32, tokens row-major. Grid
   * coordinates are {@code arange(n) / (n / baseSize) / interpolationScale} in float32; the first
   * dim/2 channels encode the column and the last dim/2 the row (diffusers' meshgrid puts w first).
   */
  public static Tensor twoD(int dim, int rows, int columns, double baseSize, double interpolationScale, org.bytedeco.pytorch.Device device) {
    if (dim % 4 != 0) {
      throw new IllegalArgumentException("2D sin-cos embedding width must be a multiple of 4, got " + dim);
    }
    Tensor row = axis(rows, baseSize, interpolationScale, device);
    Tensor column = axis(columns, baseSize, interpolationScale, device);
    Tensor columnOfToken = column.unsqueeze(0).expand(new long[] {rows, columns});
    Tensor rowOfToken = row.unsqueeze(1).expand(new long[] {rows, columns});
    return torch.cat(new TensorVector(oneD(dim / 2, columnOfToken), oneD(dim / 2, rowOfToken)), 1).to(ScalarType.Float);
  }

  private static Tensor axis(int n, double baseSize, double interpolationScale, org.bytedeco.pytorch.Device device) {
    return torch.arange(new Scalar(n), new TensorOptions(ScalarType.Float).device(new DeviceOptional(device)))
        .div(new Scalar(n / baseSize))
        .div(new Scalar(interpolationScale));
  }
}
