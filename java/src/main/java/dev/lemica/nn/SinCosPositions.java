package dev.lemica.nn;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Fixed sinusoidal position embeddings added to tokens (not rotations: see {@link RotaryAngles}),
 * as DiT, PixArt, Latte and Open-Sora build them. For the token at (row r, column c) of a grid,
 * [sin(x·ω), cos(x·ω), sin(y·ω), cos(y·ω)] with x the column's coordinate, y the row's and
 * ω_k = 10000^(−k/(dim/4)), k &lt; dim/4. The coordinates carry the family's scaling (base size,
 * interpolation), so the caller computes them in the dtype and op order of its reference; the
 * frequencies and angles follow in the coordinates' dtype, as torch computes them (diffusers' float32
 * coordinates meet float64 frequencies, so its tables are float64 from widened coordinates).
 */
public final class SinCosPositions {
  private SinCosPositions() {}

  /**
   * @param rows (R,) coordinate of each grid row
   * @param columns (C,) coordinate of each grid column, same dtype and device
   * @return (R·C, dim), tokens row-major
   */
  public static Tensor grid(Tensor rows, Tensor columns, int dim) {
    if (dim % 4 != 0) {
      throw new IllegalArgumentException("a 2-D sin-cos position embedding needs a width divisible by 4, got " + dim);
    }
    Tensor frequencies = frequencies(dim / 2, rows);
    long r = rows.size(0);
    long c = columns.size(0);
    Tensor x = columns.unsqueeze(0).expand(new long[] {r, c}).reshape(-1);
    Tensor y = rows.unsqueeze(1).expand(new long[] {r, c}).reshape(-1);
    return torch.cat(new TensorVector(sinCos(x, frequencies), sinCos(y, frequencies)), -1);
  }

  /**
   * diffusers' {@code get_1d_sincos_pos_embed_from_grid}: [sin(p·ω_k), cos(p·ω_k)] for k &lt; dim/2,
   * ω_k = 10000^(−k/(dim/2)), in float64 (positions, any shape, are read flattened and widened).
   *
   * @return (positions, dim) float64
   */
  public static Tensor oneD(int dim, Tensor positions) {
    if (dim <= 0 || dim % 2 != 0) {
      throw new IllegalArgumentException("sin-cos embedding width must be positive and even, got " + dim);
    }
    Tensor p = positions.reshape(-1).to(ScalarType.Double);
    return sinCos(p, frequencies(dim, p));
  }

  /**
   * diffusers' {@code get_2d_sincos_pos_embed} (PatchEmbed's table) for a rows × columns patch grid:
   * coordinates {@code arange(n) / (n / baseSize) / interpolationScale} in float32, the table in
   * float64 from them, returned as float32 (rows·columns, dim).
   */
  public static Tensor twoD(int dim, int rows, int columns, double baseSize, double interpolationScale, Device device) {
    return grid(axis(rows, baseSize, interpolationScale, device), axis(columns, baseSize, interpolationScale, device), dim)
        .to(ScalarType.Float);
  }

  /** 1 / 10000^(arange(0, width, 2) / width), the op order of torch's (and numpy's) one-liners. */
  private static Tensor frequencies(int width, Tensor like) {
    TensorOptions options = new TensorOptions(like.scalar_type()).device(new DeviceOptional(like.device()));
    return torch.pow(new Scalar(10000.0), torch.arange(new Scalar(0), new Scalar(width), new Scalar(2), options).div(new Scalar(width)))
        .reciprocal();
  }

  private static Tensor axis(int n, double baseSize, double interpolationScale, Device device) {
    return torch.arange(new Scalar(n), new TensorOptions(ScalarType.Float).device(new DeviceOptional(device)))
        .div(new Scalar(n / baseSize))
        .div(new Scalar(interpolationScale))
        .to(ScalarType.Double);
  }

  private static Tensor sinCos(Tensor coordinates, Tensor frequencies) {
    Tensor angles = coordinates.unsqueeze(1).mul(frequencies.unsqueeze(0));
    return torch.cat(new TensorVector(angles.sin(), angles.cos()), -1);
  }
}
