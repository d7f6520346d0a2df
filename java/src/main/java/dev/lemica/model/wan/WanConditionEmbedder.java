package dev.lemica.model.wan;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Linear;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Timestep and text conditioning: diffusers' {@code WanTimeTextImageEmbedding} without the image path. */
final class WanConditionEmbedder {
  private final int freqDim;
  private final Linear timeIn;
  private final Linear timeOut;
  private final Linear timeProjection;
  private final Linear textIn;
  private final Linear textOut;

  /** What the blocks and the head need from the timestep. */
  record TimeEmbedding(Tensor temb, Tensor blockProjection) {}

  WanConditionEmbedder(WeightLoader w, WanConfig c) {
    int dim = c.dim();
    freqDim = c.freqDim();
    String p = "condition_embedder.";
    timeIn = w.linearFloat32(p + "time_embedder.linear_1", dim, freqDim);
    timeOut = w.linearFloat32(p + "time_embedder.linear_2", dim, dim);
    timeProjection = w.linear(p + "time_proj", 6L * dim, dim);
    textIn = w.linear(p + "text_embedder.linear_1", dim, c.textDim());
    textOut = w.linear(p + "text_embedder.linear_2", dim, dim);
  }

  /**
   * @param timestep (B,) in [0, 1000)
   * @param dtype the compute dtype: temb leaves the float32 time embedder in it
   */
  TimeEmbedding time(Tensor timestep, ScalarType dtype) {
    Tensor sinusoid = sinusoid(timestep.to(ScalarType.Float));
    Tensor temb = timeOut.apply(torch.silu(timeIn.apply(sinusoid))).to(dtype);
    Tensor projection = timeProjection.apply(torch.silu(temb)).unflatten(1, 6, -1);
    return new TimeEmbedding(temb, projection);
  }

  /** [cos(t·f), sin(t·f)] with f_k = 10000^(−k/half), in float32 op for op like diffusers' Timesteps. */
  private Tensor sinusoid(Tensor timestep) {
    int half = freqDim / 2;
    Tensor exponent =
        torch.arange(new Scalar(0), new Scalar(half), new TensorOptions(ScalarType.Float))
            .to(timestep.device(), ScalarType.Float)
            .mul(new Scalar(-Math.log(10000.0)))
            .div(new Scalar((double) half));
    Tensor args = timestep.unsqueeze(1).mul(torch.exp(exponent).unsqueeze(0));
    return torch.cat(new TensorVector(torch.cos(args), torch.sin(args)), -1);
  }

  Tensor text(Tensor encoderHiddenStates) {
    return textOut.apply(torch.gelu(textIn.apply(encoderHiddenStates), "tanh"));
  }
}
