package dev.lemica.vae.wan;

import dev.lemica.nn.CausalConv3d;
import dev.lemica.nn.ChannelRmsNorm;
import dev.lemica.nn.FrameCache;
import dev.lemica.vae.ScopedSteps;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/** Steps the Wan encoder and decoder share. */
final class WanVaeBlocks {
  private WanVaeBlocks() {}

  /** {@code conv_out(silu(norm_out(x)))}, the head of the encoder and of the decoder. */
  static Tensor head(ChannelRmsNorm norm, CausalConv3d conv, Tensor x, FrameCache cache) {
    FrameCache.Slot slot = cache.next();
    List<UnaryOperator<Tensor>> steps = List.of(t -> ScopedSteps.silu(norm.apply(t)), t -> conv.apply(t, slot));
    return ScopedSteps.sequence(x, steps);
  }
}
