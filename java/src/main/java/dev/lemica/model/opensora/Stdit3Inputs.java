package dev.lemica.model.opensora;

import org.bytedeco.pytorch.Tensor;

/**
 * What every block of one forward shares.
 *
 * @param text (B, L, hidden) projected caption, every row
 * @param textMask (B, L) boolean, true for the tokens each sample attends to; null for all
 * @param modulation t_block(t) as (B, 6, hidden)
 * @param modulationAtZero t_block(t0) for timestep 0, null without a frame mask
 * @param frames the temporal mask, null for none (every frame uses t)
 * @param ropeCos (T, 1, head_dim) rotary cos table of the temporal attention, float32
 * @param ropeSin the sin table
 */
record Stdit3Inputs(
    Tensor text,
    Tensor textMask,
    Tensor modulation,
    Tensor modulationAtZero,
    FrameMask frames,
    long frameCount,
    long tokensPerFrame,
    Tensor ropeCos,
    Tensor ropeSin) {}
