package dev.lemica.calibration;

import dev.lemica.cache.ComputeDecider;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ResidualCache;
import dev.lemica.cache.ReuseRule;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplerState;
import dev.lemica.sampling.StepListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Measures LeMiCa's edge errors: w(i, j) is the mean absolute error of the final output when the
 * block stack runs at every step except i+1..j−1, which reuse step i's residual, against the
 * uncached run. The error is global (measured at the output), not local to the skipped steps.
 *
 * <p>Two facts make this cheap enough. Up to step i the edge's run equals the reference, and step i
 * computes, so the edge starts from the reference's latents before step i+1 with the reference's
 * residual of step i; the reused steps that follow need no block stack. And all edges ending at the
 * same j then compute every remaining step, so they run together as one batch (edges × prompts),
 * one group per j. A group is the unit of progress and of resumption.
 *
 * <p>Reused steps follow a {@link ReuseRule} (plain, or scaled by calibrated residual magnitudes,
 * which are measured on the uncached run before any edge); its scale depends on the two steps only,
 * so an edge's error still depends on i and j alone.
 *
 * <p>Any {@link Sampler} works: a restart takes the reference's complete sampler state (a multistep
 * solver's history included) and, for a stochastic sampler, replays the reference's step noise, so
 * an edge's run differs from the reference only by the reused residuals.
 */
public final class Calibrator {
  private final Sampler sampler;
  private final DenoiserFactory denoisers;
  private final Tensor noise;
  private final int maxRowsPerBatch;
  private final ReuseChoice reuseChoice;
  private ReuseRule reuse;

  /** Picks the reuse rule once the uncached run is known (a rule may be measured on it). */
  @FunctionalInterface
  interface ReuseChoice {
    ReuseChoice PLAIN = reference -> ReuseRule.PLAIN;

    ReuseRule choose(ReferenceTrajectory reference);
  }

  Calibrator(Sampler sampler, DenoiserFactory denoisers, Tensor noise, int maxRowsPerBatch) {
    this(sampler, denoisers, noise, maxRowsPerBatch, ReuseChoice.PLAIN);
  }

  /**
   * @param denoisers CFG denoisers for the calibration prompts, stacked {@code repeats} times
   * @param noise initial latents of the calibration prompts, (P, ...)
   * @param maxRowsPerBatch most samples per forward (each CFG branch doubles it internally)
   */
  Calibrator(Sampler sampler, DenoiserFactory denoisers, Tensor noise, int maxRowsPerBatch, ReuseChoice reuseChoice) {
    this.sampler = sampler;
    this.denoisers = denoisers;
    this.noise = noise;
    this.maxRowsPerBatch = Math.max(1, maxRowsPerBatch);
    this.reuseChoice = reuseChoice;
  }

  /** The rule the edges are measured under; known once {@link #run} has recorded the uncached run. */
  ReuseRule reuseRule() {
    return reuse;
  }

  /** Fills every unmeasured edge of {@code errors}, group by group. */
  public void run(EdgeErrors errors, CalibrationListener listener) {
    run(errors, listener, j -> true);
  }

  /**
   * Fills the unmeasured edges of the groups (end steps j) that {@code groups} selects: how a
   * calibration shared by several processes measures its part. The reuse chains still advance
   * through every step up to the last selected group, since a group needs every chain ending at it.
   */
  public void run(EdgeErrors errors, CalibrationListener listener, java.util.function.IntPredicate groups) {
    int steps = sampler.steps();
    int prompts = (int) noise.size(0);
    if (errors.steps() != steps || errors.prompts() != prompts) {
      throw new IllegalArgumentException("errors are for " + errors.steps() + " steps and " + errors.prompts()
          + " prompts, calibration runs " + steps + " and " + prompts);
    }
    long total = (long) steps * prompts;
    int last = 1;
    for (int j = 2; j < steps; j++) {
      if (groups.test(j) && !errors.groupComplete(j)) {
        total += errors.groupCost(j) * prompts;
        last = j;
      }
    }
    if (last == 1) {
      listener.started(0); // nothing to measure here: not even the reference is needed
      return;
    }
    listener.started(total);
    StepListener referenceProgress = (step, n, computed) -> listener.progressed(prompts);
    ReferenceTrajectory reference = ReferenceTrajectory.record(sampler, noise, denoisers, referenceProgress);
    reuse = reuseChoice.choose(reference);
    Sampler replay = reference.replaying(sampler);
    ReuseChains chains = new ReuseChains(reference, replay, errors.maxSkip());
    try {
      for (int j = 2; j <= last; j++) {
        chains.advanceTo(j);
        if (!groups.test(j) || errors.groupComplete(j)) {
          continue;
        }
        measureGroup(j, errors, chains, reference, replay, listener);
        listener.groupDone(j, errors);
      }
    } finally {
      chains.release();
      reference.release();
    }
  }

  /** Runs every edge (i, j) from step j to the end in batches and records its output error. */
  private void measureGroup(
      int j, EdgeErrors errors, ReuseChains chains, ReferenceTrajectory reference, Sampler replay, CalibrationListener listener) {
    int prompts = (int) noise.size(0);
    int[] starts = errors.startsEndingAt(j);
    int edgesPerBatch = Math.max(1, maxRowsPerBatch / prompts);
    for (int from = 0; from < starts.length; from += edgesPerBatch) {
      int count = Math.min(edgesPerBatch, starts.length - from);
      try (PointerScope scope = new PointerScope()) {
        List<SamplerState> rows = new ArrayList<>();
        for (int k = 0; k < count; k++) {
          rows.add(chains.stateEnteringEnd(starts[from + k]));
        }
        Tensor x;
        try (SamplerState batch = SamplerState.stack(rows);
            ResidualCache cache = new ResidualCache(FullCompute.INSTANCE.start(sampler.steps()));
            GuidedDenoiser denoiser = denoisers.create(cache, count)) {
          long perStep = (long) count * prompts;
          x = replay.sampleFrom(batch, denoiser, (step, n, computed) -> listener.progressed(perStep));
        }
        float[] mae = OutputError.perSample(x, OutputError.repeatBatch(reference.finalOutput(), count));
        for (int k = 0; k < count; k++) {
          for (int p = 0; p < prompts; p++) {
            errors.set(p, starts[from + k], j, mae[k * prompts + p]);
          }
        }
      }
    }
  }

  /**
   * For every start i, the latents of the edge's run as it reaches each later step: reference
   * latents before i+1, then one residual-reusing step at a time. Only the chains that still end
   * an edge are kept, so memory holds maxSkip states, not T·maxSkip.
   */
  private final class ReuseChains {
    private final ReferenceTrajectory reference;
    private final Sampler replay;
    private final int maxSkip;
    private final Map<Integer, SamplerState> state = new HashMap<>();
    private final Map<Integer, ResidualCache> caches = new HashMap<>();
    private int position = 1;

    ReuseChains(ReferenceTrajectory reference, Sampler replay, int maxSkip) {
      this.reference = reference;
      this.replay = replay;
      this.maxSkip = maxSkip;
    }

    /** Brings every chain to the latents entering step j, starting the chain of i = j−2. */
    void advanceTo(int j) {
      while (position < j) {
        try (PointerScope scope = new PointerScope()) {
          advanceOneStep();
        }
        position++;
      }
    }

    private void advanceOneStep() {
        int s = position;
        // The chain of i = s-1 starts now: it enters step s (= i+1) in the reference's state.
        int i = s - 1;
        state.put(i, reference.stateBefore(s).share());
        ResidualCache cache = new ResidualCache(new ComputeDecider() {
          @Override
          public boolean shouldCompute(int step, String context, boolean hasResidual, dev.lemica.model.BlockStackCall call) {
            return false;
          }

          @Override
          public ReuseRule reuseRule() {
            return reuse;
          }
        });
        reference.residualsOf(i).forEach((context, residual) -> cache.seed(context, residual, i));
        caches.put(i, cache);
        // Each live chain takes its reused step s; chains too long to end an edge are dropped.
        for (int start0 : new ArrayList<>(state.keySet())) {
          if (s + 1 - start0 > maxSkip) {
            drop(start0);
            continue;
          }
          try (GuidedDenoiser denoiser = denoisers.create(caches.get(start0), 1)) {
            SamplerState before = state.get(start0);
            state.put(start0, replay.step(before, denoiser, StepListener.NONE));
            before.close();
          }
        }
    }

    /** The state entering step j for the edge that started computing at i (the current j). */
    SamplerState stateEnteringEnd(int i) {
      SamplerState x = state.get(i);
      if (x == null) {
        throw new IllegalStateException("no reuse chain for start " + i + " at step " + position);
      }
      return x;
    }

    private void drop(int i) {
      state.remove(i).close();
      caches.remove(i).close();
    }

    void release() {
      for (int i : new ArrayList<>(state.keySet())) {
        drop(i);
      }
    }
  }
}
