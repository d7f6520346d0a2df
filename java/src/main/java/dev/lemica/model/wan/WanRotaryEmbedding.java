package dev.lemica.model.wan;

import dev.lemica.model.ComputeTarget;
import dev.lemica.nn.RotaryAngles;
import dev.lemica.torch.Tensors;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Wan's 3D rotary position embedding: the head dimension splits into a frame, a row and a column
 * axis, and each token turns its pairs by its (frame, row, column) patch position, angles in float64
 * as diffusers builds its per-axis tables.
 *
 * <p>The axis widths are (hd − 4⌊hd/6⌋, 2⌊hd/6⌋, 2⌊hd/6⌋): each even, so no cos/sin pair straddles
 * two axes. Some diffusers revisions slice the concatenation with (hd − 2⌊hd/3⌋, ⌊hd/3⌋, ⌊hd/3⌋)
 * instead; both agree for every released head size (128) but not for e.g. 16 or 64, and the golden
 * reference (diffusers 2026-08) matches the even widths used here.
 */
final class WanRotaryEmbedding {
  private static final double THETA = 10000.0;

  private final int[] axesDims;
  private final int maxSeqLen;
  private final ComputeTarget target;
  private final Map<String, Tensor> byGrid = new HashMap<>();

  WanRotaryEmbedding(int headDim, int maxSeqLen, ComputeTarget target) {
    int spatial = 2 * (headDim / 6);
    this.axesDims = new int[] {headDim - 2 * spatial, spatial, spatial};
    this.maxSeqLen = maxSeqLen;
    this.target = target;
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
    int tokens = frames * rows * columns;
    float[] positions = new float[tokens * 3];
    int token = 0;
    for (int f = 0; f < frames; f++) {
      for (int h = 0; h < rows; h++) {
        for (int w = 0; w < columns; w++, token++) {
          positions[3 * token] = f;
          positions[3 * token + 1] = h;
          positions[3 * token + 2] = w;
        }
      }
    }
    Tensor angles = RotaryAngles.of(axesDims, THETA, Tensors.fromFloats(positions, tokens, 3).to(target.device(), ScalarType.Float), ScalarType.Double);
    Tensor table = RotaryAngles.complex(angles).unsqueeze(0).unsqueeze(2);
    table.retainReference();
    return table;
  }

  void release() {
    byGrid.values().forEach(Tensor::releaseReference);
    byGrid.clear();
  }
}
