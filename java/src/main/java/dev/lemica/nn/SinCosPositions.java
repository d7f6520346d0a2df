package dev.lemica.nn;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The fixed 2-D sin-cos position embedding of DiT / PixArt / Open-Sora: for the token at (row r,
 * column c) of a grid, [sin(x·ω), cos(x·ω), sin(y·ω), cos(y·ω)] with x the column's coordinate, y
 * the row's and ω_k = 10000^(−k/(dim/4)), k < dim/4. The coordinates carry the family's scaling
 * (base size, interpolation), so the caller computes them in the dtype and op order of its
 * reference; the frequencies and angles follow in the coordinates' dtype, as torch computes them.
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
    int half = dim / 2;
    TensorOptions options = new TensorOptions(rows.scalar_type()).device(new DeviceOptional(rows.device()));
    // 1 / 10000^(arange(0, half, 2) / half), the op order of torch's (and numpy's) one-liners.
    Tensor frequencies =
        torch.pow(new Scalar(10000.0), torch.arange(new Scalar(0), new Scalar(half), new Scalar(2), options).div(new Scalar(half)))
            .reciprocal();
    long r = rows.size(0);
    long c = columns.size(0);
    Tensor x = columns.unsqueeze(0).expand(new long[] {r, c}).reshape(-1);
    Tensor y = rows.unsqueeze(1).expand(new long[] {r, c}).reshape(-1);
    return torch.cat(new TensorVector(sinCos(x, frequencies), sinCos(y, frequencies)), -1);
  }

  private static Tensor sinCos(Tensor coordinates, Tensor frequencies) {
    Tensor angles = coordinates.unsqueeze(1).mul(frequencies.unsqueeze(0));
    return torch.cat(new TensorVector(angles.sin(), angles.cos()), -1);
  }
}
