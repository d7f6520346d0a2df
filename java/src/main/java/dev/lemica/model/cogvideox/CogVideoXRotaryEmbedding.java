package dev.lemica.model.cogvideox;

import dev.lemica.nn.RotaryAngles;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The rotary tables CogVideoX 1.5 pipelines hand the transformer as {@code image_rotary_emb}:
 * {@code CogVideoXPipeline._prepare_rotary_positional_embeddings} with {@code grid_type="slice"},
 * i.e. diffusers' {@code get_3d_rotary_pos_embed} over the patch grid.
 *
 * <p>The head dimension splits into a frame axis of hd/4 channels and row and column axes of 3hd/8
 * each; a video token at patch (t, h, w) turns pair k of an axis of width d by position·10000^(−2k/d),
 * in float32 as diffusers computes it, positions being plain patch indices: "slice" cuts a table of
 * (sample_height/p, sample_width/p) rows and columns to the grid instead of rescaling it, so a grid
 * larger than that does not exist for the model. Text tokens are not rotated.
 */
public final class CogVideoXRotaryEmbedding {
  private static final double THETA = 10000.0;

  private CogVideoXRotaryEmbedding() {}

  /**
   * Real cos and sin tables, each (tokens, head_dim) float32, every angle repeated for both channels
   * of its pair ({@code use_real=True, repeat_interleave_real=True}); tokens in (frame, row, column) order.
   */
  public record Tables(Tensor cos, Tensor sin) {}

  /**
   * The tables for a latent of {@code latentFrames} × {@code latentHeight} × {@code latentWidth}
   * (the transformer's input, frames already padded to a multiple of patch_size_t; the pipeline's
   * pixel height is 8 × latentHeight), computed on {@code device}.
   *
   * @throws IllegalArgumentException when the sizes are not multiples of the patches or the grid
   *     exceeds the model's (sample_height / p, sample_width / p)
   */
  public static Tables forLatent(CogVideoXConfig config, long latentFrames, long latentHeight, long latentWidth, Device device) {
    int[] grid = grid(config, latentFrames, latentHeight, latentWidth);
    return forGrid(config, grid[0], grid[1], grid[2], device);
  }

  /**
   * The patch grid {frames, rows, columns} of a latent, checked as {@link #forLatent} checks it.
   *
   * @throws IllegalArgumentException as {@link #forLatent}
   */
  public static int[] grid(CogVideoXConfig config, long latentFrames, long latentHeight, long latentWidth) {
    int p = config.patchSize();
    int pt = config.patchSizeT();
    if (latentFrames <= 0 || latentHeight <= 0 || latentWidth <= 0
        || latentFrames % pt != 0 || latentHeight % p != 0 || latentWidth % p != 0) {
      throw new IllegalArgumentException(
          "latent of " + latentFrames + " frames x " + latentHeight + " x " + latentWidth + ": frames must be a positive multiple of"
              + " patch_size_t " + pt + " (pipelines pad them) and height and width positive multiples of patch_size " + p);
    }
    int rows = (int) (latentHeight / p);
    int columns = (int) (latentWidth / p);
    checkGrid(config, rows, columns);
    return new int[] {(int) (latentFrames / pt), rows, columns};
  }

  private static void checkGrid(CogVideoXConfig config, int rows, int columns) {
    if (rows > config.maxGridRows() || columns > config.maxGridColumns()) {
      throw new IllegalArgumentException(
          "patch grid " + rows + " x " + columns + " exceeds this model's rotary table of " + config.maxGridRows() + " x "
              + config.maxGridColumns() + " (sample_height and sample_width / patch_size)");
    }
  }

  /** The tables for a patch grid of frames × rows × columns, as {@link #forLatent}. */
  public static Tables forGrid(CogVideoXConfig config, int frames, int rows, int columns, Device device) {
    checkGrid(config, rows, columns);
    int hd = config.headDim();
    // Per axis over arange(T), arange(max_h), arange(max_w), then sliced and broadcast over the grid,
    // exactly as get_3d_rotary_pos_embed does: the same tensor shapes take the same (vectorised or
    // scalar) cos/sin paths, so the tables are bit-identical to the pipeline's.
    Tensor[] t = axis(hd / 4, frames, frames, device);
    Tensor[] h = axis(hd / 8 * 3, config.maxGridRows(), rows, device);
    Tensor[] w = axis(hd / 8 * 3, config.maxGridColumns(), columns, device);
    return new Tables(combine(t[0], h[0], w[0], frames, rows, columns), combine(t[1], h[1], w[1], frames, rows, columns));
  }

  /** {cos, sin} (used, width) of one axis, built over {@code built} positions. */
  private static Tensor[] axis(int width, int built, int used, Device device) {
    Tensor positions = torch.arange(new Scalar(built), new TensorOptions(ScalarType.Float).device(new DeviceOptional(device))).unsqueeze(1);
    Tensor[] cosSin = RotaryAngles.cosSinInterleaved(RotaryAngles.of(new int[] {width}, THETA, positions, ScalarType.Float));
    return new Tensor[] {cosSin[0].narrow(0, 0, used), cosSin[1].narrow(0, 0, used)};
  }

  /** (frames·rows·columns, hd): each token's frame, row and column rows side by side. */
  private static Tensor combine(Tensor t, Tensor h, Tensor w, int frames, int rows, int columns) {
    long[] grid = {frames, rows, columns, -1};
    return torch.cat(
            new TensorVector(
                t.unsqueeze(1).unsqueeze(1).expand(grid),
                h.unsqueeze(0).unsqueeze(2).expand(grid),
                w.unsqueeze(0).unsqueeze(0).expand(grid)),
            -1)
        .reshape((long) frames * rows * columns, -1);
  }
}
