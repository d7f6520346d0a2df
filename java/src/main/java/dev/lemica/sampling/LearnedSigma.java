package dev.lemica.sampling;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * A denoiser of a learned-sigma model (Latte, PixArt, DiT: out_channels = 2 × latent channels, the
 * noise prediction and then a variance) seen by a scheduler without a learned {@code variance_type}
 * (DDIM and the like): after guidance, which covers all channels, only the first half goes on, as
 * {@code noise_pred.chunk(2, dim=1)[0]} in LattePipeline. The channel axis is found from the shapes:
 * the one axis where the output is twice the latents; an output of the latents' shape passes as is.
 */
public final class LearnedSigma implements Denoiser {
  private final Denoiser inner;

  public LearnedSigma(Denoiser inner) {
    this.inner = inner;
  }

  @Override
  public Prediction predict(Tensor x, int step, double timestep) {
    Prediction p = inner.predict(x, step, timestep);
    return new Prediction(predictionHalf(p.output(), x), p.computed());
  }

  /** The noise-prediction half of {@code output} for latents {@code x}. */
  static Tensor predictionHalf(Tensor output, Tensor x) {
    if (Tensors.sameShape(output, x)) {
      return output;
    }
    int axis = -1;
    if (output.dim() == x.dim()) {
      for (int d = 0; d < x.dim(); d++) {
        if (output.size(d) == 2 * x.size(d) && axis < 0) {
          axis = d;
        } else if (output.size(d) != x.size(d)) {
          axis = -2;
          break;
        }
      }
    }
    if (axis < 0) {
      throw new IllegalArgumentException(
          "the model's output " + Tensors.shapeString(output) + " is neither the latents' shape " + Tensors.shapeString(x)
              + " nor twice their channels (learned sigma)");
    }
    return output.narrow(axis, 0, x.size(axis));
  }

  @Override
  public Device device() {
    return inner.device();
  }
}
