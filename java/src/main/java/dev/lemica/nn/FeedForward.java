package dev.lemica.nn;

import dev.lemica.torch.Temporaries;
import org.bytedeco.pytorch.Tensor;

/**
 * Linear → activation → linear. This one shape is diffusers' FeedForward ({@code net.0.proj},
 * {@code net.2}), TimestepEmbedding ({@code linear_1}, silu, {@code linear_2}) and
 * PixArtAlphaTextProjection ({@code linear_1}, gelu-tanh or silu, {@code linear_2}); only the
 * parameter names differ, which the loader knows.
 */
public final class FeedForward {
  private final Linear in;
  private final Activation activation;
  private final Linear out;

  public FeedForward(Linear in, Activation activation, Linear out) {
    long expected = (activation.gated() ? 2 : 1) * out.inFeatures();
    if (in.outFeatures() != expected) {
      throw new IllegalArgumentException(
          "feed-forward: " + activation + " needs " + expected + " inputs from the first linear, it makes " + in.outFeatures());
    }
    this.in = in;
    this.activation = activation;
    this.out = out;
  }

  public Tensor apply(Tensor x) {
    // The projection is ours alone, so the activation may overwrite it: one wide activation alive
    // instead of two, and none once this returns.
    return Temporaries.freeing(() -> out.apply(activation.applyInPlace(in.apply(x))));
  }
}
