package dev.lemica.model.wan;

import dev.lemica.model.ComputeTarget;
import dev.lemica.torch.Tensors;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Wan's 3D rotary position embedding. Per axis (frames, rows, columns) a 1D table of interleaved
 * cos/sin pairs is built in float64 and the three are concatenated; each token then takes its
 * frame's, row's and column's slices of that concatenation.
 *
 * <p>The axis widths are (hd − 4⌊hd/6⌋, 2⌊hd/6⌋, 2⌊hd/6⌋): each even, so no cos/sin pair straddles
 * two axes. Some diffusers revisions slice the concatenation with (hd − 2⌊hd/3⌋, ⌊hd/3⌋, ⌊hd/3⌋)
 * instead; both agree for every released head size (128) but not for e.g. 16 or 64, and the golden
 * reference (diffusers 2026-08) matches the even widths used here.
 */
final class WanRotaryEmbedding {
  private static final double THETA = 10000.0;

  private final int headDim;
  private final int maxSeqLen;
  /** The concatenated (maxSeqLen × headDim) tables, in float64 like diffusers builds them. */
  private final double[][] cos;
  private final double[][] sin;
  private final ComputeTarget target;
  private final Map<String, Tensor> byGrid = new HashMap<>();

  WanRotaryEmbedding(int headDim, int maxSeqLen, ComputeTarget target) {
    this.headDim = headDim;
    this.maxSeqLen = maxSeqLen;
    this.target = target;
    int hw = 2 * (headDim / 6);
    int[] widths = {headDim - 2 * hw, hw, hw};
    cos = new double[maxSeqLen][headDim];
    sin = new double[maxSeqLen][headDim];
    int column = 0;
    for (int width : widths) {
      int pairs = width / 2;
      for (int k = 0; k < pairs; k++) {
        double frequency = 1.0 / Math.pow(THETA, (2.0 * k) / width);
        for (int p = 0; p < maxSeqLen; p++) {
          double angle = p * frequency;
          cos[p][column + 2 * k] = cos[p][column + 2 * k + 1] = Math.cos(angle);
          sin[p][column + 2 * k] = sin[p][column + 2 * k + 1] = Math.sin(angle);
        }
      }
      column += 2 * pairs;
    }
  }

  /**
   * For a latent grid of frames × rows × columns patches: the rotation of every channel pair of every
   * token as a complex number cos + i·sin, (1, tokens, 1, headDim/2) complex64 on the compute device.
   */
  synchronized Tensor forGrid(int frames, int rows, int columns) {
    if (Math.max(frames, Math.max(rows, columns)) > maxSeqLen) {
      throw new IllegalArgumentException(
          "latent grid " + frames + "x" + rows + "x" + columns + " (after patching) exceeds rope_max_seq_len "
              + maxSeqLen + " of this model");
    }
    return byGrid.computeIfAbsent(frames + "x" + rows + "x" + columns, k -> build(frames, rows, columns));
  }

  private Tensor build(int frames, int rows, int columns) {
    int spatialWidth = 2 * (headDim / 6);
    int frameWidth = headDim - 2 * spatialWidth;
    int tokens = frames * rows * columns;
    int half = headDim / 2;
    // Interleaved (cos, sin) pairs: the memory layout of a complex64 tensor.
    float[] rotation = new float[tokens * headDim];
    int token = 0;
    for (int f = 0; f < frames; f++) {
      for (int h = 0; h < rows; h++) {
        for (int w = 0; w < columns; w++, token++) {
          for (int pair = 0; pair < half; pair++) {
            int c = 2 * pair;
            int position = c < frameWidth ? f : c < frameWidth + spatialWidth ? h : w;
            rotation[token * headDim + c] = (float) cos[position][c];
            rotation[token * headDim + c + 1] = (float) sin[position][c + 1];
          }
        }
      }
    }
    Tensor table =
        torch.view_as_complex(Tensors.fromFloats(rotation, 1, tokens, 1, half, 2)).to(target.device(), ScalarType.ComplexFloat);
    table.retainReference();
    return table;
  }

  /**
   * Rotates interleaved channel pairs of x (batch, tokens, heads, headDim) by one complex multiply,
   * which is exactly (x₁cos − x₂sin, x₁sin + x₂cos). Computed in float32 and cast back, as diffusers
   * does when x is bf16.
   */
  static Tensor apply(Tensor x, Tensor rotation) {
    Tensor pairs = x.to(ScalarType.Float).contiguous().view(x.size(0), x.size(1), x.size(2), x.size(3) / 2, 2);
    return torch.view_as_real(torch.view_as_complex(pairs).mul(rotation)).flatten(-2, -1).to(x.scalar_type());
  }

  void release() {
    byGrid.values().forEach(Tensor::releaseReference);
    byGrid.clear();
  }
}
