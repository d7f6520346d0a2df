package dev.lemica.distributed;

import dev.lemica.sampling.BranchExchange;
import org.bytedeco.pytorch.Tensor;

/**
 * The CFG branches of a pair of ranks: the pair's rank 0 runs uncond, its rank 1 cond, and one
 * all-gather per step gives both ranks both predictions.
 */
public final class CfgExchange implements BranchExchange {
  private final Communicator pair;

  public CfgExchange(Communicator pair) {
    if (pair.size() != 2) {
      throw new IllegalArgumentException("a CFG split needs a pair of ranks, got a group of " + pair.size());
    }
    this.pair = pair;
  }

  @Override
  public boolean runsCond() {
    return pair.rank() == 1;
  }

  @Override
  public Tensor[] exchange(Tensor mine) {
    Tensor both = pair.allGather(mine);
    long b = mine.size(0);
    return new Tensor[] {both.narrow(0, 0, b), both.narrow(0, b, b)};
  }
}
