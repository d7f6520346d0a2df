package dev.lemica.video;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The one conversion from what a VAE decodes, floats in [-1, 1], to 8-bit RGB, step for step as
 * diffusers does it so that our files hold the same bytes as theirs: {@code
 * VaeImageProcessor.denormalize} ({@code (x * 0.5 + 0.5).clamp(0, 1)}, in the tensor's own dtype),
 * {@code pt_to_numpy} ({@code .float()}), then the export's multiplication by 255 in float32 and
 * the cast to uint8. Every writer (MP4, WebM, GIF, PNG, frame strips) goes through here.
 */
public final class Pixels {
  private Pixels() {}

  /** How the last step goes from [0, 255] floats to bytes; diffusers does both, for different outputs. */
  public enum Rounding {
    /**
     * Toward zero, as {@code export_to_video} does for the {@code output_type="np"} frames of video
     * pipelines: {@code (frame * 255).astype(np.uint8)}. Used for every video format.
     */
    TRUNCATE,
    /**
     * To nearest, ties to even, as {@code VaeImageProcessor.numpy_to_pil} does for the images of image
     * pipelines: {@code (images * 255).round().astype("uint8")}. Used for single images (PNG, F = 1).
     */
    ROUND
  }

  /**
   * Frame {@code f} of every video, packed RGB: (B, H, W, 3) bytes, video after video. One frame at
   * a time, so 81 frames at 832×480 never exist as floats on the host all at once.
   *
   * @param videos (B, 3, F, H, W), any dtype and device
   */
  public static byte[] frame(Tensor videos, int f, Rounding rounding) {
    checkShape(videos);
    int batch = (int) videos.size(0);
    int height = (int) videos.size(3);
    int width = (int) videos.size(4);
    float[] data;
    boolean denormalized;
    try (PointerScope scope = new PointerScope()) {
      Tensor slice = videos.select(2, f);
      denormalized = slice.scalar_type().value != ScalarType.Float.value;
      if (denormalized) {
        // bf16/fp16 VAE output: diffusers denormalizes in that dtype before .float(); so do we
        slice = slice.mul(new Scalar(0.5)).add(new Scalar(0.5)).clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(1.0)));
      }
      data = Tensors.toFloats(slice);
    }
    int plane = height * width;
    byte[] out = new byte[batch * plane * 3];
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < 3; c++) {
        int in = (b * 3 + c) * plane;
        int o = b * plane * 3 + c;
        for (int i = 0; i < plane; i++, o += 3) {
          float v = data[in + i];
          out[o] = (byte) (denormalized ? fromUnit(v, rounding) : toByte(v, rounding));
        }
      }
    }
    return out;
  }

  /**
   * All of it at once, for tests and comparisons.
   *
   * @param videos (B, 3, F, H, W), any dtype and device
   * @return (B, F, H, W, 3) uint8 on the CPU, contiguous
   */
  public static Tensor toRgb8(Tensor videos, Rounding rounding) {
    checkShape(videos);
    long batch = videos.size(0);
    long frames = videos.size(2);
    long frameBytes = videos.size(3) * videos.size(4) * 3;
    Tensor out = Tensors.empty(new long[] {batch, frames, videos.size(3), videos.size(4), 3}, ScalarType.Byte);
    BytePointer dst = new BytePointer(out.mutable_data_ptr()).capacity(batch * frames * frameBytes);
    for (int f = 0; f < frames; f++) {
      byte[] pixels = frame(videos, f, rounding);
      for (int b = 0; b < batch; b++) {
        dst.position((b * frames + f) * frameBytes).put(pixels, (int) (b * frameBytes), (int) frameBytes);
      }
    }
    return out;
  }

  /** One value in [-1, 1]: {@code (v * 0.5 + 0.5).clamp(0, 1) * 255} in float32, then rounded. NaN becomes 0. */
  public static int toByte(float v, Rounding rounding) {
    return fromUnit(Math.max(0f, Math.min(1f, v * 0.5f + 0.5f)), rounding);
  }

  private static int fromUnit(float unit, Rounding rounding) {
    float scaled = unit * 255f;
    if (!(scaled >= 0f)) {
      return 0; // NaN: numpy's cast leaves it undefined
    }
    return Math.min(255, rounding == Rounding.ROUND ? (int) Math.rint(scaled) : (int) scaled);
  }

  private static void checkShape(Tensor videos) {
    if (videos.dim() != 5 || videos.size(1) != 3) {
      throw new IllegalArgumentException("expected videos (batch, 3, frames, height, width), got " + Tensors.shapeString(videos));
    }
  }
}
