package dev.lemica.vae.cogvideox;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code blend_v} ({@code dim} 3) and {@code blend_h} ({@code dim} 4): the first n
 * slices of {@code b} along {@code dim} become {@code a[−n + y] · (1 − y/n) + b[y] · (y/n)}, with n
 * the extent clamped to both tensors' sizes. The weights are computed in double and rounded to the
 * tensors' dtype, as torch rounds a Python float, so one broadcast product per term gives what the
 * per-slice loop gives.
 */
final class TileBlend {
  private TileBlend() {}

  /** Blends {@code a}'s end into {@code b}'s start in place; {@code a} may be only the end of the tile it stands for. */
  static void blend(Tensor a, Tensor b, long extent, int dim) {
    long n = Math.min(Math.min(a.size(dim), b.size(dim)), extent);
    if (n <= 0) {
      return;
    }
    double[] fadeIn = new double[(int) n];
    double[] fadeOut = new double[(int) n];
    for (int y = 0; y < n; y++) {
      fadeIn[y] = (double) y / n;
      fadeOut[y] = 1 - (double) y / n;
    }
    long[] shape = {1, 1, 1, 1, 1};
    shape[dim] = n;
    Tensor in = Tensors.fromDoubles(fadeIn, shape).to(b.device(), b.scalar_type());
    Tensor out = Tensors.fromDoubles(fadeOut, shape).to(b.device(), b.scalar_type());
    Tensor head = b.narrow(dim, 0, n);
    head.copy_(a.narrow(dim, a.size(dim) - n, n).mul(out).add(head.mul(in)));
  }
}
