package dev.lemica.nn;

import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The activations of diffusers' FeedForward ({@code activation_fn}) and of its embedding MLPs. The
 * gated ones (GEGLU, SwiGLU) read an input twice as wide as their output: value and gate halves.
 */
public enum Activation {
  /** exact GELU, FeedForward "gelu". */
  GELU("gelu", false),
  /** tanh-approximated GELU, FeedForward "gelu-approximate" (Wan, FLUX, Qwen-Image, CogVideoX). */
  GELU_TANH("gelu-approximate", false),
  /** x·σ(1.702x), FeedForward "geglu-approximate" (ungated, despite the name). */
  SIGMOID_GELU("geglu-approximate", false),
  /** value·GELU(gate), FeedForward "geglu" (Latte). */
  GEGLU("geglu", true),
  /** value·SiLU(gate), FeedForward "swiglu". */
  SWIGLU("swiglu", true),
  /** SiLU, FeedForward "linear-silu" and the TimestepEmbedding MLP's "silu". */
  SILU("linear-silu", false),
  RELU("relu", false);

  private final String diffusersName;
  private final boolean gated;

  Activation(String diffusersName, boolean gated) {
    this.diffusersName = diffusersName;
    this.gated = gated;
  }

  /** Whether the input holds value and gate halves, so the projection into it is twice as wide. */
  public boolean gated() {
    return gated;
  }

  /** By diffusers' FeedForward {@code activation_fn} name. */
  public static Activation ofDiffusersName(String name) {
    for (Activation a : values()) {
      if (a.diffusersName.equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "activation '" + name + "' is not supported (supported: "
            + Arrays.stream(values()).map(a -> a.diffusersName).toList() + ")");
  }

  /**
   * The same values as {@link #apply}, written over {@code x} where the activation has an in-place
   * kernel (gated ones make a new tensor of half the width): for inputs nobody else reads.
   */
  public Tensor applyInPlace(Tensor x) {
    switch (this) {
      case GELU:
        return torch.gelu_(x, "none");
      case GELU_TANH:
        return torch.gelu_(x, "tanh");
      case SILU:
        return torch.silu_(x);
      case RELU:
        return torch.relu_(x);
      default:
        return apply(x);
    }
  }

  public Tensor apply(Tensor x) {
    switch (this) {
      case GELU:
        return torch.gelu(x, "none");
      case GELU_TANH:
        return torch.gelu(x, "tanh");
      case SIGMOID_GELU:
        return x.mul(torch.sigmoid(x.mul(new Scalar(1.702))));
      case SILU:
        return torch.silu(x);
      case RELU:
        return torch.relu(x);
      case GEGLU:
      case SWIGLU:
        TensorVector valueGate = x.chunk(2, -1);
        Tensor gate = this == GEGLU ? torch.gelu(valueGate.get(1), "none") : torch.silu(valueGate.get(1));
        return valueGate.get(0).mul(gate);
      default:
        throw new AssertionError(this);
    }
  }
}
