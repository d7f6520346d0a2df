package dev.lemica.cache;

/** No caching: the uncached baseline. */
public final class FullCompute implements CachePolicy {
  public static final FullCompute INSTANCE = new FullCompute();

  private FullCompute() {}

  @Override
  public String describe() {
    return "full";
  }

  @Override
  public ComputeDecider start(int steps) {
    return (step, context, hasResidual, call) -> true;
  }
}
