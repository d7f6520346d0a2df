package dev.lemica.cache;

import dev.lemica.kernels.ResidualOps;
import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockStackCall;
import dev.lemica.model.BlockStackHook;
import dev.lemica.torch.Tensors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Applies a policy's decisions at the block-stack seam. A computing call stores its residual
 * {@code after − before}; a reusing call returns {@code before + scale · residual}, with the scale
 * of the policy's {@link ReuseRule} (1 unless the policy corrects its reuse). One residual per context
 * (CFG branch), and since it is a whole (batch, tokens, dim) tensor, one per batch element too.
 * Residuals stay in the compute dtype and on the compute device.
 *
 * <p>A {@link FirstBlockDecider} is asked after the stack's first block instead, which then runs at
 * every step; its residual is the remaining blocks' ({@code after − afterFirst}), and a reusing call
 * returns {@code afterFirst + residual}.
 */
public final class ResidualCache implements AutoCloseable {
  private final ComputeDecider decider;
  private final ResidualOps ops;
  // Concurrent: CFG branches may run on parallel threads, each in its own context.
  private final Map<String, Tensor> residuals = new ConcurrentHashMap<>();
  /** Contexts whose residual was seeded from outside: never overwritten in place. */
  private final java.util.Set<String> borrowed = ConcurrentHashMap.newKeySet();
  private final AtomicInteger computedCalls = new AtomicInteger();
  private final AtomicInteger reusedCalls = new AtomicInteger();
  /** The step each context's residual was computed at, for the reuse rule. */
  private final Map<String, Integer> computedAt = new ConcurrentHashMap<>();

  /** A cache on the fused native kernels where they loaded, else on LibTorch. */
  public ResidualCache(ComputeDecider decider) {
    this(decider, ResidualOps.preferred());
  }

  public ResidualCache(ComputeDecider decider, ResidualOps ops) {
    this.decider = decider;
    this.ops = ops;
  }

  /** The hook for one forward at {@code step} in {@code context}. */
  public BlockStackHook hook(int step, String context) {
    if (decider instanceof FirstBlockDecider first) {
      return call -> afterFirstBlock(first, step, context, call);
    }
    return call -> {
      Tensor before = call.hiddenBefore();
      boolean compute = decider.shouldCompute(step, context, residuals.get(context) != null, call);
      return reuseOrRun(step, context, compute, before, call::runBlocks);
    };
  }

  /**
   * A First-Block-Cache-style call: the first block always runs; the others run, or their stored
   * residual is added to the first block's output.
   */
  private Tensor afterFirstBlock(FirstBlockDecider first, int step, String context, BlockStackCall call) {
    AfterFirstBlock head = call.runFirstBlock();
    Tensor afterFirst = head.hidden();
    boolean compute = first.shouldComputeRest(step, context, residuals.get(context) != null, call.hiddenBefore(), afterFirst);
    return reuseOrRun(step, context, compute, afterFirst, head::runRest);
  }

  /**
   * Reuses (returns {@code base + scale · residual}) or runs the blocks and stores {@code after −
   * base}; without a stored residual the blocks run whatever {@code compute} says.
   */
  private Tensor reuseOrRun(int step, String context, boolean compute, Tensor base, Supplier<Tensor> blocks) {
    Tensor residual = residuals.get(context);
    compute |= residual == null;
    if (!compute && !Tensors.sameShape(residual, base)) {
      throw new IllegalStateException(
          "cached residual " + Tensors.shapeString(residual) + " does not fit hidden states "
              + Tensors.shapeString(base) + " in context '" + context + "'");
    }
    if (!compute) {
      reusedCalls.incrementAndGet();
      double scale = decider.reuseRule().scale(computedAt.get(context), step);
      return scale == 1.0 ? ops.apply(base, residual) : base.add(residual, new Scalar(scale));
    }
    Tensor after = blocks.get();
    if (residual != null && !borrowed.contains(context) && Tensors.sameShape(residual, after) && residual.scalar_type().value == after.scalar_type().value) {
      // Overwrite the previous residual: no allocation per computing step.
      ops.storeInto(residual, after, base);
    } else {
      residual = ops.store(after, base);
      store(context, residual);
    }
    computedAt.put(context, step);
    computedCalls.incrementAndGet();
    decider.residualStored(step, context, residual);
    return after;
  }

  private void store(String context, Tensor residual) {
    borrowed.remove(context);
    // Retained so that the caller's per-step PointerScope does not free it; the old one goes now.
    residual.retainReference();
    Tensor old = residuals.put(context, residual);
    if (old != null) {
      old.releaseReference();
    }
  }

  /**
   * Starts a context with a residual computed elsewhere, as if a computing call had stored it:
   * how calibration resumes a trajectory that reuses a residual of the full run.
   *
   * @param computedAtStep the step whose residual it is, from which the reuse rule scales it
   */
  public void seed(String context, Tensor residual, int computedAtStep) {
    store(context, residual);
    borrowed.add(context);
    computedAt.put(context, computedAtStep);
  }

  /** The residuals stored now, by context; each valid until the next computing call in its context. */
  public Map<String, Tensor> residuals() {
    return java.util.Collections.unmodifiableMap(residuals);
  }

  public int computedCalls() {
    return computedCalls.get();
  }

  public int reusedCalls() {
    return reusedCalls.get();
  }

  @Override
  public void close() {
    decider.close();
    residuals.values().forEach(Tensor::releaseReference);
    residuals.clear();
  }
}
