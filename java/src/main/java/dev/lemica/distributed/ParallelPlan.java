package dev.lemica.distributed;

import dev.lemica.nn.SequenceParallel;
import dev.lemica.sampling.Parallelism;
import java.util.Locale;

/**
 * How the ranks of a run share one guided sampling: a CFG split (the two branches on two halves of
 * the ranks) times a Ulysses split of the tokens inside each half.
 *
 * <p>Ranks are laid out branch-major: with a CFG split over 2×k ranks, ranks 0..k−1 run the uncond
 * branch and k..2k−1 the cond one; rank r and r+k form a CFG pair, and each half is one Ulysses
 * group of k.
 *
 * @param cfg 2 when the branches run on different ranks, else 1
 * @param sequence the Ulysses group size (1: each rank holds the whole sequence)
 */
public record ParallelPlan(int cfg, int sequence) {
  /** The choice of --parallel. */
  public enum Mode {
    /** CFG across a pair of ranks where CFG runs and the ranks pair up (with Ulysses within each half), else Ulysses. */
    AUTO,
    /** The tokens over every rank. */
    ULYSSES,
    /** The CFG branches over two halves of the ranks, Ulysses within each half. */
    CFG;

    public static Mode parse(String flag) {
      switch (flag.trim().toLowerCase(Locale.ROOT)) {
        case "auto":
          return AUTO;
        case "ulysses":
          return ULYSSES;
        case "cfg":
          return CFG;
        default:
          throw new IllegalArgumentException("--parallel " + flag + ": expected auto, ulysses or cfg");
      }
    }
  }

  /**
   * The plan for {@code ranks} ranks.
   *
   * @param guided whether the run has an unconditional branch to split off (guidance other than 1)
   * @throws IllegalArgumentException when the mode cannot serve the run
   */
  public static ParallelPlan of(Mode mode, int ranks, boolean guided) {
    if (ranks == 1) {
      return new ParallelPlan(1, 1);
    }
    switch (mode) {
      case CFG:
        if (!guided) {
          throw new IllegalArgumentException(
              "--parallel cfg: this run has no unconditional branch (guidance 1, or a single forward) to put on other ranks; use --parallel ulysses");
        }
        if (ranks % 2 != 0) {
          throw new IllegalArgumentException("--parallel cfg needs 2 or 2xk ranks (one half per CFG branch), got " + ranks);
        }
        return new ParallelPlan(2, ranks / 2);
      case ULYSSES:
        return new ParallelPlan(1, ranks);
      default:
        return guided && ranks % 2 == 0 ? new ParallelPlan(2, ranks / 2) : new ParallelPlan(1, ranks);
    }
  }

  /**
   * This rank's part of the plan: its Ulysses group and its CFG pair, made collectively (every rank
   * of the session calls it with the same plan).
   */
  public Parallelism join(DistributedSession session) {
    int ranks = session.size();
    if (cfg * sequence != ranks) {
      throw new IllegalArgumentException("a plan of cfg " + cfg + " x ulysses " + sequence + " does not fit " + ranks + " ranks");
    }
    int rank = session.rank();
    int branch = rank / sequence;
    SequenceParallel tokens = SequenceParallel.NONE;
    if (sequence > 1) {
      int[] half = new int[sequence];
      for (int i = 0; i < sequence; i++) {
        half[i] = branch * sequence + i;
      }
      tokens = new UlyssesAttention(session.group(half));
    }
    CfgExchange branches = null;
    if (cfg == 2) {
      int within = rank % sequence;
      branches = new CfgExchange(session.group(new int[] {within, within + sequence}));
    }
    return new Parallelism(tokens, branches);
  }

  public String describe() {
    if (cfg == 2 && sequence > 1) {
      return "cfg 2 x ulysses " + sequence;
    }
    return cfg == 2 ? "cfg 2" : sequence > 1 ? "ulysses " + sequence : "none";
  }
}
