package dev.lemica.sampling;

import dev.lemica.cache.ResidualCache;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.torch.CpuThreads;
import dev.lemica.torch.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Classifier-free guidance, out = out_u + g·(out_c − out_u), with the model's block stack behind a
 * {@link ResidualCache}. Branches run either as one forward of batch [uncond; cond] (fastest; the
 * cache context "cfg" then holds both branches' residuals row by row) or as two forwards in contexts
 * "uncond" and "cond" (needed when a policy decides per branch). With g = 1 only the cond branch runs.
 *
 * <p>Under a {@link Parallelism} every forward splits its tokens across processes, and with a
 * {@link BranchExchange} the branches run in two processes: each runs its own branch in its own
 * context ("cond" or "uncond", as SEPARATE does, so each keeps its branch's residual) and the two
 * swap predictions once per step. Branches on two threads would issue the processes' collectives
 * in no fixed order, so PARALLEL runs as SEPARATE when the tokens are split.
 */
public final class GuidedDenoiser implements Denoiser, AutoCloseable {
  public static final String TIMESTEP = "timestep";

  /** How the two CFG branches share forwards. */
  public enum Branches {
    /** One forward of batch [uncond; cond], context "cfg". */
    BATCHED,
    /** Two forwards one after the other, contexts "uncond" and "cond". */
    SEPARATE,
    /**
     * Two forwards at once on two threads, contexts "uncond" and "cond", each with one-thread BLAS:
     * the fastest layout on a multi-core CPU (see {@link CpuThreads}).
     */
    PARALLEL;

    /**
     * The layout to use under {@code policy}: a policy that decides per CFG branch needs the
     * branches in contexts of their own, which SEPARATE and PARALLEL give and BATCHED does not.
     */
    public Branches serving(dev.lemica.cache.CachePolicy policy) {
      return policy.decidesPerBranch() && this == BATCHED ? SEPARATE : this;
    }

    /** PARALLEL on a CPU where it can run, else BATCHED. */
    public static Branches fastestFor(dev.lemica.model.ComputeTarget target) {
      return !target.isCuda() && CpuThreads.canRunParallelCallers() ? PARALLEL : BATCHED;
    }
  }

  /** Two daemon threads shared by every PARALLEL denoiser: one per CFG branch. */
  private static final ExecutorService BRANCH_THREADS =
      Executors.newFixedThreadPool(
          2,
          runnable -> {
            Thread t = new Thread(runnable, "lemica-cfg-branch");
            t.setDaemon(true);
            return t;
          });

  private final DiffusionTransformer model;
  private final Map<String, Tensor> cond;
  private final Map<String, Tensor> uncond;
  private final Guidance guidance;
  private final ResidualCache cache;
  private final Branches branches;
  private final Map<String, Tensor> batched;
  private final Parallelism parallel;
  /** The CFG split across processes in use, or null. */
  private final BranchExchange exchange;

  /**
   * @param cond the cond branch's conditioning inputs (for Wan: encoder_hidden_states), batch B
   * @param uncond the same inputs for the unconditional branch
   */
  public GuidedDenoiser(
      DiffusionTransformer model,
      Map<String, Tensor> cond,
      Map<String, Tensor> uncond,
      double guidance,
      ResidualCache cache,
      Branches branches) {
    this(model, cond, uncond, Guidance.classifierFree(guidance), cache, branches, Parallelism.NONE);
  }

  /** @param guidance how the branches combine (and whether the unconditional one runs) */
  public GuidedDenoiser(
      DiffusionTransformer model,
      Map<String, Tensor> cond,
      Map<String, Tensor> uncond,
      Guidance guidance,
      ResidualCache cache,
      Branches branches) {
    this(model, cond, uncond, guidance, cache, branches, Parallelism.NONE);
  }

  /**
   * @param guidance how the branches combine (and whether the unconditional one runs)
   * @param branches the layout of the branches this process runs; with {@code parallel.branches()}
   *     and a guided rule each process runs one of them, and this is ignored
   * @param parallel how each step spreads over processes ({@link Parallelism#NONE}: all here)
   */
  public GuidedDenoiser(
      DiffusionTransformer model,
      Map<String, Tensor> cond,
      Map<String, Tensor> uncond,
      Guidance guidance,
      ResidualCache cache,
      Branches branches,
      Parallelism parallel) {
    if (!cond.keySet().equals(uncond.keySet())) {
      throw new IllegalArgumentException("cond and uncond inputs differ: " + cond.keySet() + " vs " + uncond.keySet());
    }
    this.model = model;
    this.cond = onModelDevice(cond);
    this.uncond = onModelDevice(uncond);
    this.guidance = guidance;
    this.cache = cache;
    this.parallel = parallel;
    // Unguided, only cond runs: both processes of a CFG split compute it, and nothing is exchanged.
    this.exchange = guidance.guided() ? parallel.branches() : null;
    this.branches = exchange != null ? Branches.SEPARATE
        : branches == Branches.PARALLEL && parallel.sequence().size() > 1 ? Branches.SEPARATE : branches;
    this.batched = exchange == null && this.branches == Branches.BATCHED && guidance.guided() ? concatenate(uncond, cond) : null;
    if (!model.target().isCuda()) {
      if (this.branches == Branches.PARALLEL && guidance.guided()) {
        CpuThreads.forParallelCallers();
      } else {
        CpuThreads.forOneCaller();
      }
    }
  }

  /** The conditioning on the model's device once, rather than copied there at every step; retained until close. */
  private Map<String, Tensor> onModelDevice(Map<String, Tensor> inputs) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    inputs.forEach((name, t) -> {
      Tensor moved = t.to(model.target().device(), t.scalar_type());
      moved.retainReference();
      out.put(name, moved);
    });
    return out;
  }

  private static Map<String, Tensor> concatenate(Map<String, Tensor> first, Map<String, Tensor> second) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : first.keySet()) {
      Tensor a = first.get(name);
      Tensor b = second.get(name);
      if (!Tensors.sameShape(a, b)) {
        throw new IllegalArgumentException(
            "cond and uncond '" + name + "' differ in shape: " + Tensors.shapeString(b) + " vs " + Tensors.shapeString(a));
      }
      Tensor both = torch.cat(new TensorVector(a, b), 0);
      both.retainReference();
      out.put(name, both);
    }
    return out;
  }

  /** Gives back the batched conditioning, which is retained to outlive the scope it was made in. */
  @Override
  public void close() {
    for (Map<String, Tensor> retained : List.of(cond, uncond)) {
      retained.values().forEach(Tensor::releaseReference);
      retained.clear();
    }
    if (batched != null) {
      batched.values().forEach(Tensor::releaseReference);
      batched.clear();
    }
  }

  public Guidance guidance() {
    return guidance;
  }

  /**
   * Block-stack passes per branch: a batched CFG forward counts once for each branch it carries, and
   * so does a forward of one branch whose partner process runs the other.
   */
  public int branchesPerCall() {
    return batched != null || exchange != null ? 2 : 1;
  }

  public Parallelism parallelism() {
    return parallel;
  }

  @Override
  public Device device() {
    return model.target().device();
  }

  @Override
  public Prediction predict(Tensor x, int step, double timestep) {
    int computedBefore = cache.computedCalls();
    Tensor output;
    if (!guidance.guided()) {
      output = forward(cond, x, step, timestep, "cond");
    } else if (exchange != null) {
      Tensor mine = exchange.runsCond() ? forward(cond, x, step, timestep, "cond") : forward(uncond, x, step, timestep, "uncond");
      Tensor[] both = exchange.exchange(mine);
      output = guidance.combine(both[0], both[1], step, timestep);
    } else if (batched != null) {
      Tensor both = forward(batched, torch.cat(new TensorVector(x, x), 0), step, timestep, "cfg");
      long b = x.size(0);
      output = guidance.combine(both.narrow(0, 0, b), both.narrow(0, b, b), step, timestep);
    } else if (branches == Branches.PARALLEL) {
      Future<Tensor> vu = BRANCH_THREADS.submit(() -> forwardOnWorker(uncond, x, step, timestep, "uncond"));
      Future<Tensor> vc = BRANCH_THREADS.submit(() -> forwardOnWorker(cond, x, step, timestep, "cond"));
      Tensor u = join(vu);
      Tensor c = join(vc);
      output = guidance.combine(u, c, step, timestep);
      u.releaseReference();
      c.releaseReference();
    } else {
      Tensor vu = forward(uncond, x, step, timestep, "uncond");
      Tensor vc = forward(cond, x, step, timestep, "cond");
      output = guidance.combine(vu, vc, step, timestep);
    }
    return new Prediction(output, cache.computedCalls() > computedBefore);
  }

  /**
   * A forward on a branch thread: inference mode and pointer scopes are per thread, so the worker
   * opens its own and retains the result past its scope; the caller releases it.
   */
  private Tensor forwardOnWorker(Map<String, Tensor> conditioning, Tensor x, int step, double timestep, String context) {
    try (InferenceMode inference = new InferenceMode();
        PointerScope scope = new PointerScope()) {
      Tensor v = forward(conditioning, x, step, timestep, context);
      v.retainReference();
      return v;
    }
  }

  private static Tensor join(Future<Tensor> branch) {
    try {
      return branch.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while a CFG branch ran", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private Tensor forward(Map<String, Tensor> conditioning, Tensor x, int step, double timestep, String context) {
    Map<String, Tensor> inputs = new LinkedHashMap<>(conditioning);
    inputs.put(model.latentsInput(), x);
    inputs.put(
        TIMESTEP,
        model.timestepInput(
            torch.full(new long[] {x.size(0)}, new Scalar(timestep), new org.bytedeco.pytorch.DimnameListOptional(), new org.bytedeco.pytorch.TensorOptions(ScalarType.Float))));
    return model.prediction(model.forward(ForwardInputs.of(inputs), cache.hook(step, context), parallel.sequence()));
  }
}
