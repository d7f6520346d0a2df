package dev.lemica.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * RMS normalisation over the channel axis (dim 1) of (B, C, ...) tensors in the form of
 * {@code F.normalize}: {@code x / max(‖x‖₂, 1e-12) · √C · γ (+ β)}, the L2 norm over channels at
 * each position, no mean of squares and no epsilon under the root. diffusers' {@code WanRMS_norm}
 * with {@code channel_first=True} (Wan and Qwen-Image VAEs). γ and β are shaped to broadcast over
 * the trailing axes ((C, 1, 1, 1) for videos, (C, 1, 1) for images). Half-precision inputs are
 * normalised in float32 and cast back before the scale, as diffusers does.
 */
public final class ChannelRmsNorm {
  private static final double EPS = 1e-12;

  private final Tensor gamma;
  private final Tensor bias;
  private final double scale;

  /** @param bias null for none (the Wan VAEs have none) */
  public ChannelRmsNorm(Tensor gamma, Tensor bias) {
    this.gamma = gamma;
    this.bias = bias;
    this.scale = Math.sqrt(gamma.size(0));
  }

  public Tensor apply(Tensor x) {
    ScalarType type = x.scalar_type();
    boolean half = type.value == ScalarType.BFloat16.value || type.value == ScalarType.Half.value;
    Tensor in = half ? x.to(ScalarType.Float) : x;
    Tensor norm = in.norm(new ScalarOptional(new Scalar(2.0)), new long[] {1}, true).clamp_min(new Scalar(EPS));
    Tensor normalized = in.div(norm);
    if (half) {
      normalized = normalized.to(type);
    }
    // normalized is a tensor of our own: scaling it in place saves two copies of the input.
    normalized.mul_(new Scalar(scale));
    normalized.mul_(gamma);
    if (bias != null) {
      normalized.add_(bias);
    }
    return normalized;
  }
}
