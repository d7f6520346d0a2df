package dev.lemica.vae.kl;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.GroupNorm;
import dev.lemica.nn.Linear;
import dev.lemica.nn.PixelAttention;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The mid-block attention of diffusers' 2D VAEs ({@code Attention(..., _from_deprecated_attn_block=True)}
 * with {@code AttnProcessor2_0}): a GroupNorm, q, k, v as linear layers over the H·W pixel tokens,
 * one head of the full channel width, the output linear {@code to_out.0}, plus the un-normalised
 * input. q, k and v are stacked into one matrix product.
 *
 * <p>Checkpoints saved before diffusers 0.14 name the projections {@code query}, {@code key},
 * {@code value} and {@code proj_attn} (the 2022 SD-VAE releases still do); diffusers renames them on
 * load, and so does this.
 */
final class KlAttention implements UnaryOperator<Tensor> {
  private final GroupNorm norm;
  private final Linear toQkv;
  private final Linear toOut;

  KlAttention(WeightLoader w, String prefix, int groups, int channels) {
    norm = KlVaeLayers.groupNorm(w, prefix + ".group_norm", groups, channels);
    boolean legacy = w.has(prefix + ".query.weight") && !w.has(prefix + ".to_q.weight");
    List<String> qkv = legacy ? List.of("query", "key", "value") : List.of("to_q", "to_k", "to_v");
    toQkv = w.fusedLinear(qkv.stream().map(n -> prefix + "." + n).toList(), channels, channels);
    toOut = w.linear(prefix + (legacy ? ".proj_attn" : ".to_out.0"), channels, channels);
  }

  @Override
  public Tensor apply(Tensor x) {
    Tensor qkv = toQkv.apply(PixelAttention.tokens(norm.apply(x)));
    Tensor attended = toOut.apply(PixelAttention.attendFused(qkv));
    Tensor y = PixelAttention.images(attended, x.size(2), x.size(3));
    y.add_(x);
    return y;
  }
}
