package dev.lemica.nn;

import dev.lemica.torch.Temporaries;
import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Rotary position embedding applied to queries or keys, in the three forms of diffusers'
 * {@code apply_rotary_emb}. Each rotates channel pairs (x₁, x₂) by an angle θ to
 * (x₁cos θ − x₂sin θ, x₁sin θ + x₂cos θ), computed in float32 and cast back to x's dtype; they differ
 * in which channels pair up and in how the angles arrive. Tables come from {@link RotaryAngles} and
 * must broadcast against x.
 */
public final class Rope {
  private Rope() {}

  /**
   * Pairs are adjacent channels (2i, 2i+1), read as one complex number and multiplied by
   * {@code freqs} = cos θ + i·sin θ (complex64, last dim head_dim/2): {@code use_real=False}, as Wan
   * and Qwen-Image apply it. One complex multiply, the fastest form.
   */
  public static Tensor complex(Tensor x, Tensor freqs) {
    return Temporaries.freeing(() -> {
      Tensor pairs = x.to(ScalarType.Float).reshape(pairShape(x));
      return torch.view_as_real(torch.view_as_complex(pairs).mul(freqs)).flatten(-2, -1).to(x.scalar_type());
    });
  }

  /**
   * Pairs are adjacent channels (2i, 2i+1); {@code cos} and {@code sin} are real tables of width
   * head_dim with each angle repeated for both channels of its pair: {@code use_real=True,
   * use_real_unbind_dim=-1}, as FLUX, CogVideoX and rotary_embedding_torch (Open-Sora) apply it.
   */
  public static Tensor realInterleaved(Tensor x, Tensor cos, Tensor sin) {
    return Temporaries.freeing(() -> {
      TensorVector parts = x.reshape(pairShape(x)).unbind(-1);
      Tensor rotated = torch.stack(new TensorVector(parts.get(1).neg(), parts.get(0)), -1).flatten(-2, -1);
      return combine(x, rotated, cos, sin);
    });
  }

  /**
   * Channel i pairs with channel i + head_dim/2 (the "rotate half" layout); the tables hold the
   * angles of the first half, then the same again: {@code use_real=True, use_real_unbind_dim=-2}.
   */
  public static Tensor realHalves(Tensor x, Tensor cos, Tensor sin) {
    return Temporaries.freeing(() -> {
      TensorVector halves = x.chunk(2, -1);
      Tensor rotated = torch.cat(new TensorVector(halves.get(1).neg(), halves.get(0)), -1);
      return combine(x, rotated, cos, sin);
    });
  }

  private static Tensor combine(Tensor x, Tensor rotated, Tensor cos, Tensor sin) {
    Tensor out = x.to(ScalarType.Float).mul(cos).add(rotated.to(ScalarType.Float).mul(sin));
    return out.to(x.scalar_type());
  }

  /** x's shape with the last dimension split into (head_dim/2, 2). */
  private static long[] pairShape(Tensor x) {
    long[] s = Tensors.shape(x);
    long[] out = java.util.Arrays.copyOf(s, s.length + 1);
    out[s.length - 1] = s[s.length - 1] / 2;
    out[s.length] = 2;
    return out;
  }
}
