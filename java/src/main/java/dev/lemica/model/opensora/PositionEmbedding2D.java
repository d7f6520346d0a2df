package dev.lemica.model.opensora;

import dev.lemica.model.ComputeTarget;
import dev.lemica.nn.SinCosPositions;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Open-Sora's PositionEmbedding2D: the 2-D sin-cos embedding of the patch grid of one frame,
 * added to every frame. Coordinates are {@code arange(n) / scale · base_size / n} in float32, with
 * scale = √(height·width) / input_sq_size (the pixel size against the training size) and base_size
 * = round(√S): a grid's coordinates span base_size / scale whatever its shape. Tables are kept per
 * (rows, columns, scale, base_size), as Open-Sora's lru_cache keeps them.
 */
final class PositionEmbedding2D {
  private final int dim;
  private final ComputeTarget target;
  private final Map<String, Tensor> byGrid = new HashMap<>();

  PositionEmbedding2D(int dim, ComputeTarget target) {
    this.dim = dim;
    this.target = target;
  }

  /** (1, rows·columns, dim) in the compute dtype on the compute device. */
  synchronized Tensor table(long rows, long columns, double scale, long baseSize) {
    String key = rows + "x" + columns + "@" + Double.doubleToLongBits(scale) + "/" + baseSize;
    return byGrid.computeIfAbsent(key, k -> build(rows, columns, scale, baseSize));
  }

  private Tensor build(long rows, long columns, double scale, long baseSize) {
    Tensor table =
        SinCosPositions.grid(coordinates(rows, scale, baseSize), coordinates(columns, scale, baseSize), dim)
            .unsqueeze(0)
            .to(target.device(), target.dtype());
    table.retainReference();
    return table;
  }

  /** torch.arange(n) / scale, then *= base_size / n: an int64 range divided into float32. */
  private Tensor coordinates(long n, double scale, long baseSize) {
    Tensor range = torch.arange(new Scalar(n), new TensorOptions(ScalarType.Long).device(new DeviceOptional(target.device())));
    return range.div(new Scalar(scale)).mul(new Scalar((double) baseSize / n));
  }

  synchronized void release() {
    byGrid.values().forEach(Tensor::releaseReference);
    byGrid.clear();
  }
}
