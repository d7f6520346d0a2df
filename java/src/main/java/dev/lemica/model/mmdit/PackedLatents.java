package dev.lemica.model.mmdit;

import dev.lemica.torch.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The token layout of FLUX and Qwen-Image latents: the pipeline packs each 2×2 patch of a
 * (C, H, W) VAE latent into one token of C·4 channels, row by row, so the transformer sees
 * (batch, H/2·W/2, C·4) and a (H/2, W/2) grid of tokens.
 */
public final class PackedLatents {
  private PackedLatents() {}

  /**
   * The (rows, columns) token grid of a (C, H, W) latent.
   *
   * @throws IllegalArgumentException when the shape is not (C, H, W) with C·4 = {@code inChannels} and H, W even
   */
  public static long[] grid(List<Long> latentShape, int inChannels) {
    if (latentShape.size() != 3 || latentShape.stream().anyMatch(v -> v <= 0)) {
      throw new IllegalArgumentException("--latent: an image model takes three positive sizes C,H,W, got " + latentShape);
    }
    long c = latentShape.get(0);
    long h = latentShape.get(1);
    long w = latentShape.get(2);
    if (c * 4 != inChannels || h % 2 != 0 || w % 2 != 0) {
      throw new IllegalArgumentException(
          "--latent " + latentShape + ": needs C = in_channels/4 = " + inChannels / 4 + " and even H, W (2x2 patches are packed into tokens)");
    }
    return new long[] {h / 2, w / 2};
  }

  /** 1024×1024, both pipelines' default: a (C, 128, 128) VAE latent, 4,096 tokens. */
  public static List<Long> typicalShape(int inChannels) {
    return List.of((long) inChannels / 4, 128L, 128L);
  }

  /** One 2×2 patch: one token. */
  public static List<Long> oneTokenShape(int inChannels) {
    return List.of((long) inChannels / 4, 2L, 2L);
  }

  /** Packed float32 noise (1, tokens, inChannels) on {@code device}. */
  public static Tensor noise(long tokens, int inChannels, Device device) {
    return torch.randn(new long[] {1, tokens, inChannels}, new TensorOptions(ScalarType.Float).device(new DeviceOptional(device)));
  }

  /**
   * FLUX's {@code _prepare_latent_image_ids}: one row per token, zeros but for the token's row and
   * column in the last two columns; (rows·columns, axes) float32 on the CPU.
   */
  public static Tensor imageIds(long rows, long columns, int axes) {
    if (axes < 2) {
      throw new IllegalArgumentException("image position ids need at least a row and a column axis, got " + axes + " axes");
    }
    float[] ids = new float[(int) (rows * columns * axes)];
    int token = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++, token++) {
        ids[token * axes + axes - 2] = r;
        ids[token * axes + axes - 1] = c;
      }
    }
    return Tensors.fromFloats(ids, rows * columns, axes);
  }
}
