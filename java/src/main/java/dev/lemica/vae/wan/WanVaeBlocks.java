package dev.lemica.vae.wan;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ScopedBlocks;
import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.FrameCache;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Steps the Wan encoder and decoder share. */
final class WanVaeBlocks {
  private WanVaeBlocks() {}

  /**
   * SiLU (the VAE's {@code non_linearity}) computed in place: every caller passes a tensor it just
   * made, so no one else sees it change, and at 480p one copy less is hundreds of MB. It returns
   * the argument, the wrapper the caller's scope owns, not the in-place call's result.
   */
  static Tensor silu(Tensor freshTensor) {
    torch.silu_(freshTensor);
    return freshTensor;
  }

  /**
   * Steps applied in sequence, each in its own scope: an intermediate result is freed once the next
   * step has run (at 480p each is hundreds of MB).
   */
  static Tensor sequence(Tensor x, List<? extends UnaryOperator<Tensor>> steps) {
    return ScopedBlocks.run(steps.size(), x, (i, h) -> steps.get(i).apply(h), BlockObserver.NONE);
  }

  /** {@code conv_out(silu(norm_out(x)))}, the head of the encoder and of the decoder. */
  static Tensor head(ChannelRmsNorm norm, CausalConv3d conv, Tensor x, FrameCache cache) {
    FrameCache.Slot slot = cache.next();
    List<UnaryOperator<Tensor>> steps = List.of(t -> silu(norm.apply(t)), t -> conv.apply(t, slot));
    return sequence(x, steps);
  }
}
