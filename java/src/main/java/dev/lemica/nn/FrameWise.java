package dev.lemica.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs an image layer on every frame of a video: (B, C, T, H, W) is folded to (B·T, C, H, W), the
 * layer applied, and the result unfolded to (B, C', T, H', W'), frames in order, as the video VAEs
 * do with their 2D convolutions, upsamplers and per-frame attention.
 */
public final class FrameWise {
  private FrameWise() {}

  public static Tensor apply(Tensor video, UnaryOperator<Tensor> imageLayer) {
    long b = video.size(0);
    long c = video.size(1);
    long t = video.size(2);
    Tensor frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, c, video.size(3), video.size(4));
    Tensor out = imageLayer.apply(frames);
    return out.view(b, t, out.size(1), out.size(2), out.size(3)).permute(0, 2, 1, 3, 4);
  }
}
