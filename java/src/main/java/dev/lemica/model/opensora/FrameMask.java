package dev.lemica.model.opensora;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Open-Sora's temporal mask {@code x_mask} (B, T): frames where it is false are modulated with the
 * embedding of timestep 0 instead of the current one (how Open-Sora keeps conditioning frames
 * clean). This is its {@code t_mask_select}: per frame, the value made with t where the mask holds,
 * the value made with t0 elsewhere.
 */
final class FrameMask {
  private final Tensor keep;
  private final long frames;
  private final long tokensPerFrame;

  /** @param keep (B, T) boolean */
  FrameMask(Tensor keep, long tokensPerFrame) {
    this.keep = keep.unsqueeze(2).unsqueeze(3);
    this.frames = keep.size(1);
    this.tokensPerFrame = tokensPerFrame;
  }

  /** Both (B, T·S, C), as is the result. */
  Tensor select(Tensor withT, Tensor withT0) {
    long batch = withT.size(0);
    long channels = withT.size(2);
    return torch.where(
            keep,
            withT.reshape(batch, frames, tokensPerFrame, channels),
            withT0.reshape(batch, frames, tokensPerFrame, channels))
        .reshape(batch, frames * tokensPerFrame, channels);
  }
}
