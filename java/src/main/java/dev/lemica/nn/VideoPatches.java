package dev.lemica.nn;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Video ↔ tokens of a 3D patch grid: a Conv3d with kernel = stride = patch turns (B, C, F, H, W)
 * into (B, tokens, dim) with tokens ordered (frame, row, column), and the output head's
 * (B, tokens, p_t·p_h·p_w·C) features go back to (B, C, F, H, W). Feature order inside a patch is
 * (p_t, p_h, p_w, C), as diffusers' Wan and Open-Sora's {@code unpatchify} lay it out.
 */
public final class VideoPatches {
  private final Tensor weight;
  private final TensorOptional bias;
  private final long[] patch;

  /** @param weight Conv3d (dim, C, p_t, p_h, p_w) */
  public VideoPatches(Tensor weight, Tensor bias) {
    if (weight.dim() != 5) {
      throw new IllegalArgumentException("a patch embedding needs a 5-D Conv3d weight, got " + Tensors.shapeString(weight));
    }
    this.weight = weight;
    this.bias = bias == null ? new TensorOptional() : new TensorOptional(bias);
    this.bias.retainReference();
    this.patch = new long[] {weight.size(2), weight.size(3), weight.size(4)};
  }

  /** The patch grid of a (B, C, F, H, W) video, each axis rounded up to whole patches. */
  public long[] grid(Tensor video) {
    long[] g = new long[3];
    for (int axis = 0; axis < 3; axis++) {
      g[axis] = (video.size(2 + axis) + patch[axis] - 1) / patch[axis];
    }
    return g;
  }

  /**
   * (B, tokens, dim). A video that is no whole number of patches is zero-padded at the end of each
   * short axis first (Open-Sora's PatchEmbed3D); callers that require whole patches check before.
   */
  public Tensor embed(Tensor video) {
    long[] g = grid(video);
    long padT = g[0] * patch[0] - video.size(2);
    long padH = g[1] * patch[1] - video.size(3);
    long padW = g[2] * patch[2] - video.size(4);
    Tensor x = padT + padH + padW == 0 ? video : torch.constant_pad_nd(video, new long[] {0, padW, 0, padH, 0, padT}, new Scalar(0.0));
    return torch.conv3d(x, weight, bias, patch, new long[] {0, 0, 0}, new long[] {1, 1, 1}, 1)
        .flatten(2, -1)
        .transpose(1, 2)
        .contiguous();
  }

  /**
   * (B, tokens, p_t·p_h·p_w·C) → (B, C, F, H, W), cropped to {@code frames × height × width} (the
   * video's size before any padding).
   *
   * @param grid the patch grid the tokens came from
   */
  public Tensor unpatchify(Tensor tokens, long[] grid, long channels, long frames, long height, long width) {
    long batch = tokens.size(0);
    Tensor video =
        tokens
            .reshape(batch, grid[0], grid[1], grid[2], patch[0], patch[1], patch[2], channels)
            .permute(0, 7, 1, 4, 2, 5, 3, 6)
            .reshape(batch, channels, grid[0] * patch[0], grid[1] * patch[1], grid[2] * patch[2]);
    if (video.size(2) == frames && video.size(3) == height && video.size(4) == width) {
      return video;
    }
    return video.narrow(2, 0, frames).narrow(3, 0, height).narrow(4, 0, width);
  }
}
