package dev.lemica.vae.wan;

import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.FrameCache;
import dev.lemica.torch.Scoped;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Steps the Wan encoder and decoder share. */
final class WanVaeBlocks {
  private WanVaeBlocks() {}

  /**
   * SiLU (the VAE's {@code non_linearity}) computed in place: every caller passes a tensor it just
   * made, so no one else sees it change, and at 480p one copy less is hundreds of MB. (The
   * in-place call's own return value is a non-owning view of the wrapper, hence the argument is
   * returned.)
   */
  static Tensor silu(Tensor freshTensor) {
    torch.silu_(freshTensor);
    return freshTensor;
  }

  /** {@code conv_out(silu(norm_out(x)))}, the head of the encoder and of the decoder. */
  static Tensor head(ChannelRmsNorm norm, CausalConv3d conv, Tensor x, FrameCache cache) {
    FrameCache.Slot slot = cache.next();
    List<UnaryOperator<Tensor>> steps = List.of(t -> silu(norm.apply(t)), t -> conv.apply(t, slot));
    return Scoped.chain(x, steps);
  }
}
