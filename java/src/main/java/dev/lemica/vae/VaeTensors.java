package dev.lemica.vae;

import dev.lemica.model.ComputeTarget;
import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Tensor placement the VAE implementations share. */
public final class VaeTensors {
  private VaeTensors() {}

  /** {@code t} on the compute device in the compute dtype (itself when it already is). */
  public static Tensor onDevice(ComputeTarget target, Tensor t) {
    return t.to(target.device(), target.dtype());
  }

  /** An uninitialised tensor on the compute device. */
  public static Tensor empty(ComputeTarget target, long[] shape, ScalarType type) {
    return torch.empty(shape, new TensorOptions(type).device(new DeviceOptional(target.device())), new MemoryFormatOptional());
  }

  /** Refuses a chunk whose frames would run past the preallocated output: a port bug, not bad input. */
  public static void checkFits(Tensor chunk, long at, long total, String what, Object config) {
    if (at + chunk.size(2) > total) {
      throw new IllegalStateException(
          what + " frames overflow the expected " + total + " at frame " + at + " (" + Tensors.shapeString(chunk) + ", config " + config + ")");
    }
  }

  /**
   * Refuses what a video VAE cannot encode, in one line: not (B, channels, F, H, W) with B, F ≥ 1,
   * or a height or width that is not a positive multiple of the spatial factor.
   *
   * @param where where the channel count comes from, for the message ({@code in_channels=3 in <file>})
   */
  public static void checkVideo(Tensor video, String className, long channels, int spatialFactor, String where) {
    if (video.dim() != 5 || video.size(1) != channels || video.size(0) < 1 || video.size(2) < 1) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": " + className + " expects (B, " + channels + ", F, H, W), " + where);
    }
    if (video.size(3) % spatialFactor != 0 || video.size(4) % spatialFactor != 0 || video.size(3) == 0 || video.size(4) == 0) {
      throw new IllegalArgumentException(
          "video " + Tensors.shapeString(video) + ": height and width must be positive multiples of " + spatialFactor);
    }
  }
}
