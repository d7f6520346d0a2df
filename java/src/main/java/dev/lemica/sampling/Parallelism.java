package dev.lemica.sampling;

import dev.lemica.nn.SequenceParallel;

/**
 * How one guided denoising step spreads over processes: the token split inside every forward
 * (sequence parallelism) and whether the CFG branches run in different processes. Every process of
 * a run denoises the same latents with the same settings and ends with the same samples.
 *
 * @param sequence the split of each forward's tokens; {@link SequenceParallel#NONE} for all here
 * @param branches the CFG split, or null when this process runs both branches
 */
public record Parallelism(SequenceParallel sequence, BranchExchange branches) {
  /** Everything in this process. */
  public static final Parallelism NONE = new Parallelism(SequenceParallel.NONE, null);

  public Parallelism {
    if (sequence == null) {
      throw new IllegalArgumentException("sequence parallelism must be given (SequenceParallel.NONE for none)");
    }
  }

  public boolean isLocal() {
    return sequence.size() == 1 && branches == null;
  }

}
