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

  /**
   * SiLU (diffusers' "silu" and "swish") computed in place, for a tensor the caller just made and
   * no one else sees: in the video VAEs every activation is hundreds of MB, and this saves a copy.
   * It returns the argument, the wrapper the caller's scope owns, not the in-place call's result.
   */
  public static Tensor siluInPlace(Tensor freshTensor) {
    torch.silu_(freshTensor);
    return freshTensor;
  }
}
