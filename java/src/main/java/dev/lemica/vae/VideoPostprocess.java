package dev.lemica.vae;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** What pipelines do to a decoded video before handing it out. */
public final class VideoPostprocess {
  private VideoPostprocess() {}

  /**
   * A decoded video (B, C, F, H, W) in [-1, 1] to frames (B, F, H, W, C) in [0, 1], float32, channels
   * last: diffusers' {@code VideoProcessor.postprocess_video(video, output_type="np")}, which maps
   * {@code (x / 2 + 0.5).clamp(0, 1)} in the video's dtype and moves channels last.
   */
  public static Tensor toFrames(Tensor video) {
    if (video.dim() != 5) {
      throw new IllegalArgumentException(
          "video " + dev.lemica.torch.Tensors.shapeString(video) + ": expected (B, C, F, H, W)");
    }
    return toUnitRange(video).permute(0, 2, 3, 4, 1).contiguous();
  }

  /**
   * Decoded images (B, C, H, W) in [-1, 1] to (B, H, W, C) in [0, 1], float32, channels last:
   * diffusers' {@code VaeImageProcessor.postprocess(image, output_type="np")} (FLUX, Qwen-Image), the
   * same mapping as {@link #toFrames}.
   */
  public static Tensor toImages(Tensor images) {
    if (images.dim() != 4) {
      throw new IllegalArgumentException(
          "images " + dev.lemica.torch.Tensors.shapeString(images) + ": expected (B, C, H, W)");
    }
    return toUnitRange(images).permute(0, 2, 3, 1).contiguous();
  }

  /** {@code (x / 2 + 0.5).clamp(0, 1)} in the input's dtype, then float32. */
  private static Tensor toUnitRange(Tensor x) {
    return x.mul(new Scalar(0.5))
        .add(new Scalar(0.5))
        .clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(1.0)))
        .to(ScalarType.Float);
  }
}
