package dev.lemica.model.opensora;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Linear;
import dev.lemica.nn.Timesteps;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * STDiT3's conditioning: the timestep embedding plus the fps embedding (TimestepEmbedder and
 * SizeEmbedder, both the 256-wide [cos | sin] sinusoid into Linear-SiLU-Linear), the block
 * modulation {@code t_block} projected from their sum, and the caption MLP {@code y_embedder} with
 * its learned null caption {@code y_embedding}, the unconditional text of Open-Sora's CFG.
 */
final class Stdit3Conditioning {
  static final int FREQUENCY_CHANNELS = 256;

  private final Timesteps sinusoid = new Timesteps(FREQUENCY_CHANNELS, true, 0, 1);
  private final FeedForward timeEmbedder;
  private final FeedForward fpsEmbedder;
  private final Linear timeBlock;
  private final FeedForward captionProjection;
  private final Tensor nullCaption;
  private final int hidden;

  Stdit3Conditioning(WeightLoader w, Stdit3Config c) {
    hidden = c.hidden();
    timeEmbedder = sinusoidMlp(w, "t_embedder", hidden);
    fpsEmbedder = sinusoidMlp(w, "fps_embedder", hidden);
    timeBlock = w.linear("t_block.1", 6L * hidden, hidden);
    captionProjection =
        new FeedForward(
            w.linear("y_embedder.y_proj.fc1", hidden, c.captionChannels()),
            Activation.GELU_TANH,
            w.linear("y_embedder.y_proj.fc2", hidden, hidden));
    nullCaption = w.load("y_embedder.y_embedding", c.modelMaxLength(), c.captionChannels());
  }

  private static FeedForward sinusoidMlp(WeightLoader w, String prefix, int hidden) {
    return new FeedForward(
        w.linear(prefix + ".mlp.0", hidden, FREQUENCY_CHANNELS), Activation.SILU, w.linear(prefix + ".mlp.2", hidden, hidden));
  }

  /**
   * t = t_embedder(timestep) + fps_embedder(fps), (B, hidden) in the compute dtype.
   *
   * @param timestep (B,) the raw 0..1000 timestep, already in the compute dtype (Open-Sora rounds it there first)
   * @param fps (B,)
   */
  Tensor time(Tensor timestep, Tensor fps, ScalarType dtype) {
    Tensor t = timeEmbedder.apply(sinusoid.apply(timestep).to(dtype));
    return t.add(fpsEmbedder.apply(sinusoid.apply(fps).to(dtype)));
  }

  /** t_block(t) = Linear(SiLU(t)) as (B, 6, hidden): each block adds it to its scale_shift_table. */
  Tensor blockModulation(Tensor t) {
    return timeBlock.apply(torch.silu(t)).unflatten(1, 6, hidden);
  }

  /** y_embedder.y_proj over every caption row (pads included; the mask drops them later): (B, L, hidden). */
  Tensor caption(Tensor y) {
    return captionProjection.apply(y);
  }

  /** The learned null caption (model_max_length, caption_channels) in the compute dtype. */
  Tensor nullCaption() {
    return nullCaption;
  }
}
