package dev.lemica.nn;

import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The activations diffusers configs name ({@code act_fn}, {@code non_linearity}), by the names of
 * diffusers' {@code get_activation}.
 */
public enum Activation {
  SILU("silu") {
    @Override
    public Tensor apply(Tensor x) {
      return torch.silu(x);
    }
  },
  GELU("gelu") {
    @Override
    public Tensor apply(Tensor x) {
      return torch.gelu(x);
    }
  },
  RELU("relu") {
    @Override
    public Tensor apply(Tensor x) {
      return torch.relu(x);
    }
  },
  MISH("mish") {
    @Override
    public Tensor apply(Tensor x) {
      return torch.mish(x);
    }
  };

  private final String configName;

  Activation(String configName) {
    this.configName = configName;
  }

  public abstract Tensor apply(Tensor x);

  /** The config's name of it. */
  public String configName() {
    return configName;
  }

  /**
   * The activation a config names, as diffusers' {@code get_activation} reads it ("swish" is SiLU);
   * empty names nothing.
   */
  public static java.util.Optional<Activation> named(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("swish")) {
      return java.util.Optional.of(SILU);
    }
    for (Activation a : values()) {
      if (a.configName.equals(n)) {
        return java.util.Optional.of(a);
      }
    }
    return java.util.Optional.empty();
  }
}
