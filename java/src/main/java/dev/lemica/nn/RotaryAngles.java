package dev.lemica.nn;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Rotation angles of a multi-axis rotary embedding and the tables {@link Rope} applies. The head
 * dimension splits into axes (frames, rows, columns, …) of the given widths; pair k of an axis of
 * width d turns by position·θ^(−2k/d), the position being the token's along that axis. This is
 * diffusers' {@code get_1d_rotary_pos_embed} per axis, axes concatenated (Wan, FLUX, Qwen-Image,
 * CogVideoX), computed op for op with LibTorch on the positions' device (no host round trip).
 */
public final class RotaryAngles {
  private RotaryAngles() {}

  /**
   * @param axesDims the width of each axis in channels, each even; their sum is head_dim
   * @param positions (tokens, axes) positions of each token along each axis
   * @param dtype Float64 as diffusers builds Wan's and FLUX's tables ({@code freqs_dtype=float64}),
   *     Float for Qwen-Image's ({@code QwenEmbedRope.rope_params}: frequencies and position ×
   *     frequency rounded to float32, which differs by several float32 ulps at positions in the hundreds)
   * @return (tokens, head_dim/2) angles in {@code dtype}
   */
  public static Tensor of(int[] axesDims, double theta, Tensor positions, ScalarType dtype) {
    if (positions.dim() != 2 || positions.size(1) != axesDims.length) {
      throw new IllegalArgumentException(
          "rotary positions must be (tokens, " + axesDims.length + "), got " + dev.lemica.torch.Tensors.shapeString(positions));
    }
    TensorVector perAxis = new TensorVector();
    for (int axis = 0; axis < axesDims.length; axis++) {
      int d = axesDims[axis];
      if (d <= 0 || d % 2 != 0) {
        throw new IllegalArgumentException("rotary axis widths must be positive and even, got " + java.util.Arrays.toString(axesDims));
      }
      // 1 / θ^(arange(0, d, 2) / d), as Python's 1.0 / tensor computes it: a reciprocal.
      Tensor exponent =
          torch.arange(new Scalar(0), new Scalar(d), new Scalar(2), new TensorOptions(dtype).device(new DeviceOptional(positions.device())))
              .div(new Scalar(d));
      Tensor frequencies = torch.pow(new Scalar(theta), exponent).reciprocal();
      perAxis.push_back(positions.select(1, axis).to(dtype).unsqueeze(1).mul(frequencies.unsqueeze(0)));
    }
    return torch.cat(perAxis, 1);
  }

  /**
   * Angles from a frequency table given as it is, rather than derived from θ: rotary_embedding_torch
   * keeps its {@code freqs} as a module parameter, so Open-Sora's checkpoints carry them.
   *
   * @param positions (tokens,) one position per token
   * @param frequencies (head_dim/2,)
   * @return (tokens, head_dim/2) angles position·frequency, in the frequencies' dtype
   */
  public static Tensor ofFrequencies(Tensor positions, Tensor frequencies) {
    if (positions.dim() != 1 || frequencies.dim() != 1) {
      throw new IllegalArgumentException("rotary positions and frequencies must be 1-D");
    }
    return positions.to(frequencies.scalar_type()).unsqueeze(1).mul(frequencies.unsqueeze(0));
  }

  /** cos θ + i·sin θ as complex64, the table of {@link Rope#complex}; same shape as the angles. */
  public static Tensor complex(Tensor angles) {
    return torch.polar(torch.ones_like(angles), angles).to(ScalarType.ComplexFloat);
  }

  /**
   * {cos, sin} float32 tables twice as wide as the angles, each angle repeated for both channels of
   * its pair: the tables of {@link Rope#realInterleaved} ({@code repeat_interleave_real=True}).
   */
  public static Tensor[] cosSinInterleaved(Tensor angles) {
    return new Tensor[] {
      angles.cos().repeat_interleave(2, new LongOptional(-1), new LongOptional()).to(ScalarType.Float),
      angles.sin().repeat_interleave(2, new LongOptional(-1), new LongOptional()).to(ScalarType.Float)
    };
  }

  /**
   * {cos, sin} float32 tables twice as wide as the angles: all angles, then the same again, the
   * tables of {@link Rope#realHalves} ({@code repeat_interleave_real=False}).
   */
  public static Tensor[] cosSinHalves(Tensor angles) {
    Tensor cos = angles.cos();
    Tensor sin = angles.sin();
    return new Tensor[] {
      torch.cat(new TensorVector(cos, cos), -1).to(ScalarType.Float),
      torch.cat(new TensorVector(sin, sin), -1).to(ScalarType.Float)
    };
  }
}
