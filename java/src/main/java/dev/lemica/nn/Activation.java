package dev.lemica.nn;

import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The activations diffusers configs name ({@code act_fn}, {@code non_linearity}), by the names of
 * diffusers' {@code get_activation}.
 */
public enum Activation {
  SILU("silu", torch::silu),
  GELU("gelu", torch::gelu),
  RELU("relu", torch::relu),
  MISH("mish", torch::mish);

  private final String configName;
  private final UnaryOperator<Tensor> function;

  Activation(String configName, UnaryOperator<Tensor> function) {
    this.configName = configName;
    this.function = function;
  }

  public Tensor apply(Tensor x) {
    return function.apply(x);
  }

  /** The config's name of it. */
  public String configName() {
    return configName;
  }

  /** The activation a config names, as diffusers' {@code get_activation} reads it ("swish" is SiLU). */
  public static Optional<Activation> named(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("swish")) {
      return Optional.of(SILU);
    }
    for (Activation a : values()) {
      if (a.configName.equals(n)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
