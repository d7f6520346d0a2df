package dev.lemica.vae;

import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The pre-activation residual block every VAE family here builds from its own norms and
 * convolutions: {@code conv2(silu(norm2(conv1(silu(norm1(x)))))) + shortcut(x)} (diffusers' {@code
 * WanResidualBlock}, {@code ResnetBlock2D} of the 2D VAEs and {@code CogVideoXResnetBlock3D} without
 * a time embedding, Open-Sora's temporal {@code ResBlock}). Dropout is the identity at inference.
 */
public final class ResnetBlocks {
  private ResnetBlocks() {}

  /**
   * Each step in its own scope (at 480p every intermediate is hundreds of MB); SiLU runs in place on
   * the norms' fresh outputs.
   *
   * @param shortcut null for the identity
   */
  public static Tensor apply(
      Tensor x,
      UnaryOperator<Tensor> norm1,
      UnaryOperator<Tensor> conv1,
      UnaryOperator<Tensor> norm2,
      UnaryOperator<Tensor> conv2,
      UnaryOperator<Tensor> shortcut) {
    List<UnaryOperator<Tensor>> steps =
        List.of(t -> ScopedSteps.silu(norm1.apply(t)), conv1, t -> ScopedSteps.silu(norm2.apply(t)), conv2);
    Tensor y = ScopedSteps.sequence(x, steps);
    // The shortcut last: while the steps run only x is alive besides them, not its projection too.
    y.add_(shortcut == null ? x : shortcut.apply(x));
    return y;
  }

  /** {@code conv(silu(norm(x)))}, each step in its own scope: the head of the VAE encoders and decoders. */
  public static Tensor head(Tensor x, UnaryOperator<Tensor> norm, UnaryOperator<Tensor> conv) {
    return ScopedSteps.sequence(x, List.of(t -> ScopedSteps.silu(norm.apply(t)), conv));
  }
}
