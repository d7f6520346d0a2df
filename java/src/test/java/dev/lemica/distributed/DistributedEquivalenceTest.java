package dev.lemica.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.pipeline.CachedSampling;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.SamplingResult;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.torch.Tensors;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With Gloo over 127.0.0.1, 2, 3 and 4 ranks give the single-process results within 1e-5 (fp32):
 * the Wan golden forwards (Ulysses, even and uneven token and head splits), the golden cached loop
 * under every plan (Ulysses, CFG, CFG × Ulysses, with the same block-stack evaluation counts), and
 * the embedded model's cached sampling with CFG over 2 ranks and its 4 heads over 4. The ranks are threads of this JVM with their own
 * sessions (see {@link ThreadRanks}); the launcher's test runs them as processes.
 */
class DistributedEquivalenceTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static PointerScope scope;
  static InferenceMode inference;
  static DiffusionTransformer wan;
  static DiffusionTransformer wanVariant;

  @BeforeAll
  static void load() {
    scope = new PointerScope();
    inference = new InferenceMode();
    wan = Models.load(Golden.dir("wan"), ComputeTarget.CPU_FLOAT32);
    wanVariant = Models.load(Golden.dir("wan-variant"), ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void close() {
    wan.close();
    wanVariant.close();
    inference.close();
    scope.close();
  }

  static Map<String, Tensor> forwardInputs(SafetensorsFile io) {
    return Map.of(
        "hidden_states", io.tensor("in.hidden_states"),
        "timestep", io.tensor("in.timestep"),
        "encoder_hidden_states", io.tensor("in.encoder_hidden_states"));
  }

  /** Every rank's forward output under a Ulysses split over {@code ranks}. */
  static List<double[]> ulyssesForward(DiffusionTransformer model, Map<String, Tensor> inputs, int ranks) {
    return ThreadRanks.run(ranks, TIMEOUT, session -> {
      Parallelism split = ParallelPlan.of(ParallelPlan.Mode.ULYSSES, ranks, false).join(session);
      assertEquals(ranks, split.sequence().size());
      return Tensors.toDoubles(model.forward(ForwardInputs.of(inputs), BlockStackHook.RUN_ALL, split.sequence()));
    });
  }

  static double relativeL2(double[] ours, double[] reference) {
    assertEquals(reference.length, ours.length, "sizes");
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < ours.length; i++) {
      diff += (ours[i] - reference[i]) * (ours[i] - reference[i]);
      norm += reference[i] * reference[i];
    }
    return Math.sqrt(diff / norm);
  }

  static void assertClose(double[] reference, List<double[]> perRank, String what) {
    for (int r = 0; r < perRank.size(); r++) {
      double err = relativeL2(perRank.get(r), reference);
      assertTrue(err < 1e-5, what + ": rank " + r + " of " + perRank.size() + " is off by relative L2 " + err);
    }
  }

  @Test
  void ulyssesForwardsGiveTheGoldenOutputs() {
    try (PointerScope s = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan").resolve("io.safetensors"));
        SafetensorsFile variant = SafetensorsFile.open(Golden.dir("wan-variant").resolve("io.safetensors"))) {
      double[] golden = Tensors.toDoubles(io.tensor("out.sample"));
      assertClose(golden, ulyssesForward(wan, forwardInputs(io), 2), "wan, 48 tokens, 2 heads over 2 ranks");
      double[] variantGolden = Tensors.toDoubles(variant.tensor("out.sample"));
      // Batch 2 with its own timestep and text per sample; 3 heads over 2 ranks is an uneven head split.
      assertClose(variantGolden, ulyssesForward(wanVariant, forwardInputs(variant), 2), "wan-variant over 2 ranks");
      assertClose(variantGolden, ulyssesForward(wanVariant, forwardInputs(variant), 3), "wan-variant over 3 ranks");
    }
  }

  @Test
  void anUnevenTokenSplitGivesTheSingleProcessOutput() {
    try (PointerScope s = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan").resolve("io.safetensors"))) {
      torch.manual_seed(5);
      // A 3 x 3 x 5 patch grid: 45 tokens, 23 and 22 per rank.
      Map<String, Tensor> inputs = Map.of(
          "hidden_states", torch.randn(1, 4, 3, 6, 10),
          "timestep", io.tensor("in.timestep"),
          "encoder_hidden_states", io.tensor("in.encoder_hidden_states"));
      double[] single = Tensors.toDoubles(wan.forward(ForwardInputs.of(inputs)));
      assertClose(single, ulyssesForward(wan, inputs, 2), "45 tokens over 2 ranks");
    }
  }

  /** Every rank's cached sampling of the golden loop (8 Euler steps, shift 3, CFG 5) under {@code plan}. */
  record Run(double[] latents, int computedSteps, int blockStackEvaluations, int reusedEvaluations) {}

  static List<Run> goldenLoop(SafetensorsFile io, CachePolicy policy, ParallelPlan.Mode mode, int ranks) {
    Conditioning text = new Conditioning(Map.of("encoder_hidden_states", io.tensor("in.cond")), Map.of("encoder_hidden_states", io.tensor("in.uncond")));
    return ThreadRanks.run(ranks, TIMEOUT, session -> {
      Parallelism split = ParallelPlan.of(mode, ranks, true).join(session);
      SamplingResult r = CachedSampling.run(
          wan, new FlowMatchEuler(8, 3.0), text, Guidance.classifierFree(5.0), io.tensor("in.noise"), policy,
          GuidedDenoiser.Branches.BATCHED, split, StepListener.NONE);
      return new Run(Tensors.toDoubles(r.latents()), r.computedSteps(), r.blockStackEvaluations(), r.reusedEvaluations());
    });
  }

  @Test
  void theGoldenCachedLoopUnderEveryPlan() {
    try (PointerScope s = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan_cached_loop").resolve("io.safetensors"))) {
      CachePolicy b5 = new StaticSchedulePolicy(Schedule.of(8, 0, 1, 3, 5, 7));
      double[] golden = Tensors.toDoubles(io.tensor("out.b5"));
      record Case(ParallelPlan.Mode mode, int ranks) {}
      for (Case c : List.of(new Case(ParallelPlan.Mode.ULYSSES, 2), new Case(ParallelPlan.Mode.CFG, 2), new Case(ParallelPlan.Mode.CFG, 4))) {
        List<Run> results = goldenLoop(io, b5, c.mode(), c.ranks());
        String what = "b5, " + ParallelPlan.of(c.mode(), c.ranks(), true).describe();
        assertClose(golden, results.stream().map(Run::latents).toList(), what);
        for (Run r : results) {
          assertEquals(5, r.computedSteps(), what);
          assertEquals(10, r.blockStackEvaluations(), what + ": 5 computed steps of 2 branches");
          assertEquals(6, r.reusedEvaluations(), what);
        }
      }
    }
  }

  @Test
  void theEmbeddedModelsCachedGenerationUnderEveryPlan() {
    try (PointerScope s = new PointerScope();
        TextToVideoPipeline pipeline = TextToVideoPipeline.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32)) {
      PromptEmbeddings text = pipeline.encode(List.of("red circle moving right"));
      Conditioning conditioning = new Conditioning(Map.of("encoder_hidden_states", text.cond()), Map.of("encoder_hidden_states", text.uncond()));
      torch.manual_seed(7);
      // The embedded transformer on a small latent (2 frames of 8 x 8: 8 tokens, 2 per rank of 4): the
      // split works as at its 8 x 32 x 32, for a test that takes seconds.
      Tensor noise = torch.randn(1, 3, 2, 8, 8);
      CachePolicy policy = new StaticSchedulePolicy(Schedule.of(5, 0, 1, 4));
      FlowMatchEuler sampler = pipeline.sampler(pipeline.defaults().withOverrides(5, null, null));
      double guidance = pipeline.defaults().guidance();
      double[] single = Tensors.toDoubles(
          CachedSampling.run(pipeline.transformer(), sampler, conditioning, Guidance.classifierFree(guidance), noise, policy,
              GuidedDenoiser.Branches.SEPARATE, StepListener.NONE).latents());
      record Case(ParallelPlan.Mode mode, int ranks) {}
      for (Case c : List.of(new Case(ParallelPlan.Mode.CFG, 2), new Case(ParallelPlan.Mode.ULYSSES, 4))) {
        List<double[]> perRank = ThreadRanks.run(c.ranks(), TIMEOUT, session -> {
          Parallelism split = ParallelPlan.of(c.mode(), c.ranks(), true).join(session);
          return Tensors.toDoubles(
              CachedSampling.run(pipeline.transformer(), sampler, conditioning, Guidance.classifierFree(guidance), noise, policy,
                  GuidedDenoiser.Branches.BATCHED, split, StepListener.NONE).latents());
        });
        assertClose(single, perRank, "embedded model, " + ParallelPlan.of(c.mode(), c.ranks(), true).describe());
      }
    }
  }

  @Test
  void aPolicyThatReadsTheTokensIsRefusedUnderUlysses() {
    try (PointerScope s = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("wan_cached_loop").resolve("io.safetensors"))) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> goldenLoop(io, new dev.lemica.cache.TeaCachePolicy(0.1), ParallelPlan.Mode.ULYSSES, 2));
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
      assertTrue(e.getMessage().startsWith("cache policy teacache 0.1000 decides from the block stack's tokens"), e.getMessage());
      // First Block Cache compares the first block's output, the same tokens: refused alike.
      e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> goldenLoop(io, new dev.lemica.cache.FirstBlockCachePolicy(0.1), ParallelPlan.Mode.ULYSSES, 2));
      assertTrue(e.getMessage().startsWith("cache policy fbcache 0.1000 decides from the block stack's tokens"), e.getMessage());
      List<Run> fbCfg = goldenLoop(io, new dev.lemica.cache.FirstBlockCachePolicy(0.1), ParallelPlan.Mode.CFG, 2);
      org.junit.jupiter.api.Assertions.assertArrayEquals(fbCfg.get(0).latents(), fbCfg.get(1).latents(), "under a CFG split it runs, each rank on its branch");
      // Under a CFG split each rank holds every token of its branch: TeaCache decides as in one process.
      List<Run> cfg = goldenLoop(io, new dev.lemica.cache.TeaCachePolicy(0.1), ParallelPlan.Mode.CFG, 2);
      assertEquals(cfg.get(0).computedSteps(), cfg.get(1).computedSteps());
    }
  }

  @Test
  void aTransformerThatDoesNotSplitItsTokensRefusesUlyssesInOneLine() {
    try (PointerScope s = new PointerScope();
        DiffusionTransformer stdit3 = Models.load(Golden.dir("opensora_stdit3"), ComputeTarget.CPU_FLOAT32)) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> ThreadRanks.run(2, TIMEOUT, session -> stdit3.forward(
              ForwardInputs.of(Map.of()), BlockStackHook.RUN_ALL, ParallelPlan.of(ParallelPlan.Mode.ULYSSES, 2, false).join(session).sequence())));
      assertEquals(stdit3.className() + ": sequence parallelism (--parallel ulysses) is not supported for this model yet", e.getMessage());
    }
  }
}
