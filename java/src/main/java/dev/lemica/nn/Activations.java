package dev.lemica.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Activation functions under the names transformers and diffusers give them. */
public final class Activations {
  private Activations() {}

  /**
   * transformers' {@code gelu_new} / {@code NewGELUActivation} and diffusers' {@code gelu-approximate}:
   * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), not the erf GELU.
   */
  public static Tensor geluTanh(Tensor x) {
    return torch.gelu(x, "tanh");
  }
}
