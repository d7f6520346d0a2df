package dev.lemica.text.qwen;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Position ids of text-only input as {@code Qwen2_5_VLModel.get_rope_index} gives them (no image
 * grid): with a mask, cumsum(mask) − 1 with padded positions set to 1, so a row's tokens count from
 * 0 at its first real token whichever side it is padded on; without one, 0..L−1. The same on all
 * three axes.
 */
public final class QwenPositions {
  private QwenPositions() {}

  /**
   * (3, B, L) int64 on the mask's device.
   *
   * @param attentionMask (B, L) 0/1, or null
   */
  public static Tensor textOnly(Tensor attentionMask, long batch, long length, Device device) {
    Tensor pos;
    if (attentionMask == null) {
      TensorOptions longs = new TensorOptions(ScalarType.Long).device(new DeviceOptional(device));
      pos = torch.arange(new Scalar(length), longs).unsqueeze(0).expand(batch, length);
    } else {
      Tensor m = attentionMask.to(device, ScalarType.Long);
      pos = m.cumsum(-1, new ScalarTypeOptional(ScalarType.Long)).sub(new Scalar(1)).masked_fill(m.eq(new Scalar(0)), new Scalar(1));
    }
    return pos.unsqueeze(0).expand(3, batch, length).contiguous();
  }

  /**
   * Explicit position ids in either form transformers takes: (3, B, L) as they are, (B, L) for
   * all three axes.
   */
  static Tensor explicit(Tensor positionIds, long batch, long length, Device device) {
    if (positionIds.is_floating_point()) {
      throw new IllegalArgumentException("position_ids must hold integers (int64)");
    }
    Tensor p = positionIds.to(device, ScalarType.Long);
    if (p.dim() == 2 && p.size(0) == batch && p.size(1) == length) {
      return p.unsqueeze(0).expand(3, batch, length).contiguous();
    }
    if (p.dim() == 3 && p.size(0) == 3 && p.size(1) == batch && p.size(2) == length) {
      return p;
    }
    throw new IllegalArgumentException(
        "position_ids " + Tensors.shapeString(positionIds) + " must be (3, batch, tokens) or (batch, tokens) for input_ids [" + batch + ", " + length + "]");
  }
}
