package dev.lemica.evaluation;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FirstBlockCachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.MagCachePolicy;
import dev.lemica.cache.TeaCachePolicy;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.SamplingResult;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs the full sampling once on held-out prompts, then each variant on the same prompts and noise,
 * and scores every variant's decoded videos against the full run's. All in one process, so wall
 * times (of sampling; decoding is the same for every variant and left out) are comparable. Any
 * pipeline works; callers keep its transformer loaded across the runs with
 * {@link DiffusionPipeline#withTransformer}.
 */
public final class Evaluator {
  private final DiffusionPipeline pipeline;
  private final Conditioning text;
  private final Tensor noise;
  private final GenerationSettings settings;
  private final GuidedDenoiser.Branches branches;
  private Tensor reference;
  private double fullSeconds;
  private int fullEvaluations;
  private Map<String, double[]> teaCacheChanges;
  private Map<String, double[]> magCacheRatios;
  private Map<String, double[][]> firstBlockChanges;

  public Evaluator(DiffusionPipeline pipeline, Conditioning text, Tensor noise, GenerationSettings settings, GuidedDenoiser.Branches branches) {
    this.pipeline = pipeline;
    this.text = text;
    this.noise = noise;
    this.settings = settings;
    this.branches = branches;
  }

  /** The uncached run everything is compared with; also records what TeaCache would measure. */
  public void runFull() {
    // A short warm-up first, so the full run's wall time does not include one-off start-up costs.
    try (PointerScope scope = new PointerScope()) {
      pipeline.sample(text, noise, settings.withSteps(Math.min(2, settings.steps())), FullCompute.INSTANCE, branches, StepListener.NONE);
    }
    SamplingResult full = pipeline.sample(text, noise, settings, FullCompute.INSTANCE, branches, StepListener.NONE);
    reference = pipeline.decode(full.latents(), settings);
    reference.retainReference();
    fullSeconds = full.seconds();
    fullEvaluations = full.blockStackEvaluations();
    TeaCachePolicy.ChangeRecorder recorder = new TeaCachePolicy.ChangeRecorder();
    try (PointerScope scope = new PointerScope()) {
      pipeline.sample(text, noise, settings, recorder, branches, StepListener.NONE);
    }
    teaCacheChanges = recorder.changes();
  }

  public Tensor reference() {
    return reference;
  }

  public double fullSeconds() {
    return fullSeconds;
  }

  /** A TeaCache policy whose threshold aims at {@code budget} computed steps. */
  public TeaCachePolicy teaCacheFor(int budget) {
    return new TeaCachePolicy(TeaCachePolicy.thresholdForBudget(teaCacheChanges, settings.steps(), budget));
  }

  /**
   * A MagCache-style policy landing near {@code budget}, its magnitude ratios recorded on one more
   * full run of these samples (made the first time one is asked for).
   */
  public MagCachePolicy magCacheFor(int budget) {
    if (magCacheRatios == null) {
      MagCachePolicy.RatioRecorder recorder = new MagCachePolicy.RatioRecorder();
      try (PointerScope scope = new PointerScope()) {
        pipeline.sample(text, noise, settings, recorder, branches, StepListener.NONE);
      }
      magCacheRatios = Map.copyOf(recorder.ratios());
    }
    return MagCachePolicy.forBudget(magCacheRatios, settings.steps(), budget);
  }

  /**
   * A FirstBlockCache-style policy whose threshold aims at {@code budget} computed steps, its changes
   * recorded on one more full run of these samples (made the first time one is asked for).
   */
  public FirstBlockCachePolicy firstBlockCacheFor(int budget) {
    if (firstBlockChanges == null) {
      FirstBlockCachePolicy.ChangeRecorder recorder = new FirstBlockCachePolicy.ChangeRecorder();
      try (PointerScope scope = new PointerScope()) {
        pipeline.sample(text, noise, settings, recorder, branches, StepListener.NONE);
      }
      firstBlockChanges = Map.copyOf(recorder.changes());
    }
    return new FirstBlockCachePolicy(FirstBlockCachePolicy.thresholdForBudget(firstBlockChanges, settings.steps(), budget));
  }

  /** Runs each variant, handing its result (and its videos, valid during the call) to the callbacks. */
  public List<VariantResult> run(List<Variant> variants, Consumer<VariantResult> onResult) {
    return run(variants, onResult, (variant, videos) -> {});
  }

  public List<VariantResult> run(List<Variant> variants, Consumer<VariantResult> onResult, java.util.function.BiConsumer<Variant, Tensor> onVideos) {
    if (reference == null) {
      runFull();
    }
    List<VariantResult> results = new ArrayList<>();
    for (Variant v : variants) {
      try (PointerScope scope = new PointerScope()) {
        GenerationSettings s = settings.withSteps(v.steps());
        CachePolicy policy = v.cache();
        SamplingResult g = pipeline.sample(text, noise, s, policy, branches, StepListener.NONE);
        Tensor videos = pipeline.decode(g.latents(), s);
        VariantResult r =
            new VariantResult(
                v, VideoMetrics.compare(videos, reference), g.computedSteps(), g.blockStackEvaluations(),
                g.seconds(), fullSeconds, fullEvaluations, settings.steps());
        results.add(r);
        onResult.accept(r);
        onVideos.accept(v, videos);
      }
    }
    return results;
  }

  public void release() {
    if (reference != null) {
      reference.releaseReference();
      reference = null;
    }
  }
}
