package dev.lemica.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Sinusoidal timestep features, diffusers' {@code Timesteps} / {@code get_timestep_embedding}, op for
 * op in float32: f_j = exp(−ln(max_period)·j/(half − downscale_freq_shift)), args = scale·(t·f_j),
 * features [sin(args), cos(args)], or [cos, sin] with flip_sin_to_cos; a zero column pads odd widths.
 * The timestep embedding is sensitive (t reaches 1000 and it feeds every modulation), so the order of
 * the float32 roundings is kept exactly.
 *
 * @param channels the feature width (diffusers' num_channels / embedding_dim)
 */
public record Timesteps(int channels, boolean flipSinToCos, double downscaleFreqShift, double scale, double maxPeriod) {
  public Timesteps {
    if (channels <= 1) {
      throw new IllegalArgumentException("timestep embedding width must be at least 2, got " + channels);
    }
  }

  /** max_period 10000, diffusers' default. */
  public Timesteps(int channels, boolean flipSinToCos, double downscaleFreqShift, double scale) {
    this(channels, flipSinToCos, downscaleFreqShift, scale, 10000.0);
  }

  /** @param timesteps (batch,) any real dtype; the features are (batch, channels) float32 */
  public Tensor apply(Tensor timesteps) {
    int half = channels / 2;
    Tensor exponent =
        torch.arange(new Scalar(0), new Scalar(half), new TensorOptions(ScalarType.Float))
            .to(timesteps.device(), ScalarType.Float)
            .mul(new Scalar(-Math.log(maxPeriod)))
            .div(new Scalar(half - downscaleFreqShift));
    Tensor args = timesteps.unsqueeze(1).to(ScalarType.Float).mul(torch.exp(exponent).unsqueeze(0));
    if (scale != 1.0) {
      args = args.mul(new Scalar(scale));
    }
    Tensor sin = torch.sin(args);
    Tensor cos = torch.cos(args);
    Tensor features = flipSinToCos ? torch.cat(new TensorVector(cos, sin), -1) : torch.cat(new TensorVector(sin, cos), -1);
    if (channels % 2 == 1) {
      features = torch.constant_pad_nd(features, new long[] {0, 1}, new Scalar(0.0));
    }
    return features;
  }
}
