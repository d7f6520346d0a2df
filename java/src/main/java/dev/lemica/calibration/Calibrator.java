package dev.lemica.calibration;

import dev.lemica.cache.ComputeDecider;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ResidualCache;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

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
 */
public final class Calibrator {
  private final FlowMatchEuler sampler;
  private final DenoiserFactory denoisers;
  private final Tensor noise;
  private final int maxRowsPerBatch;

  /**
   * @param denoisers CFG denoisers for the calibration prompts, stacked {@code repeats} times
   * @param noise initial latents of the calibration prompts, (P, ...)
   * @param maxRowsPerBatch most samples per forward (each CFG branch doubles it internally)
   */
  Calibrator(FlowMatchEuler sampler, DenoiserFactory denoisers, Tensor noise, int maxRowsPerBatch) {
    this.sampler = sampler;
    this.denoisers = denoisers;
    this.noise = noise;
    this.maxRowsPerBatch = Math.max(1, maxRowsPerBatch);
  }

  /** Fills every unmeasured edge of {@code errors}, group by group. */
  public void run(EdgeErrors errors, CalibrationListener listener) {
    int steps = sampler.steps();
    int prompts = (int) noise.size(0);
    if (errors.steps() != steps || errors.prompts() != prompts) {
      throw new IllegalArgumentException("errors are for " + errors.steps() + " steps and " + errors.prompts()
          + " prompts, calibration runs " + steps + " and " + prompts);
    }
    long total = (long) steps * prompts;
    for (int j = 2; j < steps; j++) {
      if (!errors.groupComplete(j)) {
        total += (long) (steps - j) * errors.startsEndingAt(j).length * prompts;
      }
    }
    listener.started(total);
    StepListener referenceProgress = (step, n, computed) -> listener.progressed(prompts);
    ReferenceTrajectory reference = ReferenceTrajectory.record(sampler, noise, denoisers, referenceProgress);
    try {
      ReuseChains chains = new ReuseChains(reference, errors.maxSkip());
      for (int j = 2; j < steps; j++) {
        chains.advanceTo(j);
        if (errors.groupComplete(j)) {
          continue;
        }
        measureGroup(j, errors, chains, reference, listener);
        listener.groupDone(j, errors);
      }
      chains.release();
    } finally {
      reference.release();
    }
  }

  /** Runs every edge (i, j) from step j to the end in batches and records its output error. */
  private void measureGroup(int j, EdgeErrors errors, ReuseChains chains, ReferenceTrajectory reference, CalibrationListener listener) {
    int prompts = (int) noise.size(0);
    int[] starts = errors.startsEndingAt(j);
    int edgesPerBatch = Math.max(1, maxRowsPerBatch / prompts);
    for (int from = 0; from < starts.length; from += edgesPerBatch) {
      int count = Math.min(edgesPerBatch, starts.length - from);
      try (PointerScope scope = new PointerScope()) {
        TensorVector rows = new TensorVector();
        for (int k = 0; k < count; k++) {
          rows.push_back(chains.stateEnteringEnd(starts[from + k]));
        }
        Tensor x = torch.cat(rows, 0);
        try (ResidualCache cache = new ResidualCache(FullCompute.INSTANCE.start(sampler.steps()));
            GuidedDenoiser denoiser = denoisers.create(cache, count)) {
          long perStep = (long) count * prompts;
          for (int s = j; s < sampler.steps(); s++) {
            sampler.step(x, s, denoiser, (step, n, computed) -> listener.progressed(perStep));
          }
        }
        float[] mae = OutputError.perSample(x, reference.finalOutput().repeat(count, 1, 1, 1, 1));
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
    private final int maxSkip;
    private final Map<Integer, Tensor> state = new HashMap<>();
    private final Map<Integer, ResidualCache> caches = new HashMap<>();
    private int position = 1;

    ReuseChains(ReferenceTrajectory reference, int maxSkip) {
      this.reference = reference;
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
        // The chain of i = s-1 starts now: it enters step s (= i+1) with the reference latents.
        int i = s - 1;
        Tensor start = reference.latentsBefore(s).clone();
        start.retainReference();
        state.put(i, start);
        ComputeDecider reuseAlways = (step, context, hasResidual, call) -> false;
        ResidualCache cache = new ResidualCache(reuseAlways);
        reference.residualsOf(i).forEach(cache::seed);
        caches.put(i, cache);
        // Each live chain takes its reused step s; chains too long to end an edge are dropped.
        for (int start0 : new ArrayList<>(state.keySet())) {
          if (s + 1 - start0 > maxSkip) {
            drop(start0);
            continue;
          }
          try (GuidedDenoiser denoiser = denoisers.create(caches.get(start0), 1)) {
            sampler.step(state.get(start0), s, denoiser, StepListener.NONE);
          }
        }
    }

    /** Latents entering step j for the edge that started computing at i (the current j). */
    Tensor stateEnteringEnd(int i) {
      Tensor x = state.get(i);
      if (x == null) {
        throw new IllegalStateException("no reuse chain for start " + i + " at step " + position);
      }
      return x;
    }

    private void drop(int i) {
      state.remove(i).releaseReference();
      caches.remove(i).close();
    }

    void release() {
      for (int i : new ArrayList<>(state.keySet())) {
        drop(i);
      }
    }
  }
}
