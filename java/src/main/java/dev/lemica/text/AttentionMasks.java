package dev.lemica.text;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Additive attention masks as transformers builds them: 0 where a query may see a key, the
 * dtype's lowest finite value where it may not (never −inf, so a query that sees no key at all
 * gets uniform weights, as in eager attention, instead of NaN).
 */
public final class AttentionMasks {
  private AttentionMasks() {}

  /** {@code torch.finfo(dtype).min}. */
  public static double lowest(ScalarType dtype) {
    if (dtype.value == ScalarType.Half.value) {
      return -65504.0;
    }
    if (dtype.value == ScalarType.BFloat16.value) {
      return -3.3895313892515355e38;
    }
    return -Float.MAX_VALUE;
  }

  /** (B, 1, 1, L) from a (B, L) 0/1 key mask: padded keys are hidden from every query. */
  public static Tensor keys(Tensor attentionMask, ScalarType dtype, Device device) {
    Tensor m = attentionMask.to(device, dtype);
    return m.neg().add(new Scalar(1.0)).mul(new Scalar(lowest(dtype))).unsqueeze(1).unsqueeze(1);
  }

  /**
   * transformers' {@code create_causal_mask}: query s sees key t iff t ≤ s and, with a mask, key t
   * is not padding. One mask, not a sum of two: (1, 1, L, L) without {@code attentionMask}, else
   * (B, 1, L, L).
   *
   * @param attentionMask (B, L) 0/1, or null
   */
  public static Tensor causal(Tensor attentionMask, int length, ScalarType dtype, Device device) {
    TensorOptions longs = new TensorOptions(ScalarType.Long).device(new DeviceOptional(device));
    Tensor positions = torch.arange(new Scalar(length), longs);
    Tensor visible = positions.unsqueeze(0).le(positions.unsqueeze(1)).unsqueeze(0).unsqueeze(0);
    if (attentionMask != null) {
      Tensor keys = attentionMask.to(device, ScalarType.Long).gt(new Scalar(0)).unsqueeze(1).unsqueeze(1);
      visible = visible.logical_and(keys);
    }
    Tensor zeros = torch.zeros(new long[] {1}, new TensorOptions(dtype).device(new DeviceOptional(device)));
    return zeros.masked_fill(visible.logical_not(), new Scalar(lowest(dtype)));
  }
}
