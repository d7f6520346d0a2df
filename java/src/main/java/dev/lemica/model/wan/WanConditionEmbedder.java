package dev.lemica.model.wan;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Timesteps;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Timestep and text conditioning: diffusers' {@code WanTimeTextImageEmbedding} without the image path. */
final class WanConditionEmbedder {
  private final Timesteps sinusoid;
  /** float32 whatever the compute dtype, as diffusers keeps it. */
  private final FeedForward timeEmbedder;
  private final Linear timeProjection;
  private final FeedForward textEmbedder;

  /** What the blocks and the head need from the timestep. */
  record TimeEmbedding(Tensor temb, Tensor blockProjection) {}

  WanConditionEmbedder(WeightLoader w, WanConfig c) {
    int dim = c.dim();
    String p = "condition_embedder.";
    sinusoid = new Timesteps(c.freqDim(), true, 0, 1);
    timeEmbedder = Modules.mlp(w, p + "time_embedder", c.freqDim(), dim, dim, Activation.SILU, true);
    timeProjection = w.linear(p + "time_proj", 6L * dim, dim);
    textEmbedder = Modules.mlp(w, p + "text_embedder", c.textDim(), dim, dim, Activation.GELU_TANH, false);
  }

  /**
   * @param timestep (B,) in [0, 1000)
   * @param dtype the compute dtype: temb leaves the float32 time embedder in it
   */
  TimeEmbedding time(Tensor timestep, ScalarType dtype) {
    Tensor temb = timeEmbedder.apply(sinusoid.apply(timestep)).to(dtype);
    Tensor projection = timeProjection.apply(torch.silu(temb)).unflatten(1, 6, -1);
    return new TimeEmbedding(temb, projection);
  }

  Tensor text(Tensor encoderHiddenStates) {
    return textEmbedder.apply(encoderHiddenStates);
  }
}
