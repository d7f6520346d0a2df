package dev.lemica.cache;

/**
 * Decides which denoising steps run the block stack; the other steps reuse its cached residual.
 * A policy is a configuration; {@link #start} makes the state of one sampling run.
 */
public interface CachePolicy {
  /** Short description for logs and reports, e.g. "static 20/50". */
  String describe();

  /**
   * Fresh decision state for a run of {@code steps} steps.
   *
   * @throws IllegalArgumentException when the policy cannot serve that many steps
   */
  ComputeDecider start(int steps);

  /** Whether decisions differ per CFG branch, so branches must run as separate forwards. */
  default boolean decidesPerBranch() {
    return false;
  }

  /**
   * Whether decisions read the block stack's tokens (its input, or its first block's output).
   * Under sequence parallelism each process holds only its own tokens, so such a policy would
   * decide differently in each (and the processes would stop agreeing which collectives to run).
   */
  default boolean readsTokens() {
    return false;
  }
}
