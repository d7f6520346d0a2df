package dev.lemica.model;

import dev.lemica.nn.Activation;
import dev.lemica.nn.AdaLnModulation;
import dev.lemica.nn.FeedForward;

/**
 * The diffusers modules behind the shared {@code dev.lemica.nn} layers, loaded by their parameter
 * names: what each family's code asks for instead of spelling out {@code net.0.proj} or
 * {@code linear_1} itself.
 */
public final class Modules {
  private Modules() {}

  /**
   * diffusers' {@code FeedForward(dim, dim_out, inner_dim, activation_fn)}: {@code prefix.net.0.proj}
   * (twice inner wide for gated activations) and {@code prefix.net.2}.
   */
  public static FeedForward feedForward(WeightLoader w, String prefix, long dim, long inner, long dimOut, Activation activation) {
    long in = activation.gated() ? 2 * inner : inner;
    return new FeedForward(
        w.linear(prefix + ".net.0.proj", in, dim), activation, w.linear(prefix + ".net.2", dimOut, inner));
  }

  /**
   * A two-layer MLP named {@code prefix.linear_1}, {@code prefix.linear_2}: diffusers'
   * TimestepEmbedding (silu) and PixArtAlphaTextProjection (gelu-tanh or silu).
   *
   * @param float32 whether the weights stay float32 whatever the compute dtype (diffusers'
   *     {@code _keep_in_fp32_modules}, e.g. Wan's time_embedder)
   */
  public static FeedForward mlp(WeightLoader w, String prefix, long in, long hidden, long out, Activation activation, boolean float32) {
    return float32
        ? new FeedForward(w.linearFloat32(prefix + ".linear_1", hidden, in), activation, w.linearFloat32(prefix + ".linear_2", out, hidden))
        : new FeedForward(w.linear(prefix + ".linear_1", hidden, in), activation, w.linear(prefix + ".linear_2", out, hidden));
  }

  /** An adaLN modulation projection {@code prefix} (a Linear dim → chunks·dim) cut into {@code chunks}. */
  public static AdaLnModulation modulation(WeightLoader w, String prefix, long dim, int chunks) {
    return new AdaLnModulation(w.linear(prefix, chunks * dim, dim), chunks);
  }
}
