package dev.lemica.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ReuseRule;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.pipeline.CachedSampling;
import dev.lemica.pipeline.SamplerSettings;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.Schedulers;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.Schedule;
import dev.lemica.text.PromptEmbeddings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small calibration (T=10, L=4, one prompt) against an independent brute-force computation. */
class CalibrationTest {
  static final int STEPS = 10;
  static final int MAX_SKIP = 4;
  static PointerScope scope;
  static InferenceMode inference;
  static TextToVideoPipeline pipeline;
  static PromptEmbeddings text;
  static Tensor noise;
  static SamplerSettings settings;

  @TempDir Path dir;

  @BeforeAll
  static void load() {
    scope = new PointerScope();
    inference = new InferenceMode();
    pipeline = TextToVideoPipeline.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32);
    text = pipeline.encode(List.of("magenta diamond moving up"));
    torch.manual_seed(11);
    noise = torch.randn(1, 3, 8, 32, 32);
    settings = pipeline.defaults().withOverrides(STEPS, null, null);
  }

  @AfterAll
  static void close() {
    pipeline.close();
    inference.close();
    scope.close();
  }

  static CalibrationSetup setup() {
    return new CalibrationSetup("shapes-wan-t2v", List.of("magenta diamond moving up"), "seed 11", STEPS, settings.shift(), settings.guidance(), MAX_SKIP, "batched", "cpu/float32");
  }

  static CalibrationJob job(int maxRows) {
    return new CalibrationJob(pipeline.transformer(), text, noise, setup(), GuidedDenoiser.Branches.BATCHED, maxRows);
  }

  /** The definition, run directly: compute every step except i+1..j-1, compare the final output. */
  static double bruteForce(int i, int j) {
    Tensor full = pipeline.generate(text, noise, settings, FullCompute.INSTANCE, GuidedDenoiser.Branches.SEPARATE, StepListener.NONE).samples();
    int[] computed = IntStream.range(0, STEPS).filter(s -> s <= i || s >= j).toArray();
    Tensor cached =
        pipeline.generate(text, noise, settings, new StaticSchedulePolicy(Schedule.of(STEPS, computed)), GuidedDenoiser.Branches.SEPARATE, StepListener.NONE).samples();
    return cached.sub(full).abs().mean().item_double();
  }

  @Test
  void edgesMatchBruteForceAndTheFileIsComplete() throws IOException {
    Path out = dir.resolve("errors.json");
    CalibrationJob job = job(64);
    EdgeErrors errors = job.run(job.initialErrors(out), out, CalibrationListener.NONE);
    assertTrue(errors.complete());
    for (int[] edge : new int[][] {{0, 2}, {3, 7}, {5, 9}, {6, 8}}) {
      double expected = bruteForce(edge[0], edge[1]);
      double got = errors.mean(edge[0], edge[1]);
      assertTrue(expected > 1e-4, "edge " + edge[0] + "->" + edge[1] + " has a visible error (" + expected + ")");
      assertEquals(expected, got, 1e-4 * expected, "edge " + edge[0] + "->" + edge[1]);
    }
    JsonNode file = new ObjectMapper().readTree(Files.readString(out));
    assertTrue(file.get("complete").asBoolean());
    assertEquals(STEPS, file.get("steps").asInt());
    assertEquals(MAX_SKIP, file.get("max_skip").asInt());
    assertEquals(0.0, file.get("errors").get(4).get(5).asDouble());
    assertTrue(file.get("errors").get(4).get(9).isNull(), "edges longer than max_skip are absent");
    assertTrue(file.get("errors").get(7).get(3).isNull(), "no backward edges");
    assertEquals(errors.mean(3, 7), file.get("errors").get(3).get(7).asDouble(), 1e-12);
    assertEquals("magenta diamond moving up", file.get("prompts").get(0).asText());
    assertEquals("flow-matching-euler(shift " + settings.shift() + ")", file.get("sampler").asText());
  }

  /**
   * A restart takes a multistep sampler's complete state (UniPC's previous x0 predictions and its
   * corrector's sample): under UniPC the calibrated edges equal the definition run directly.
   */
  @Test
  void underUniPCEdgesMatchBruteForce() {
    int steps = 8;
    int maxSkip = 3;
    Sampler unipc = Schedulers.fromConfig(Schedulers.wan21UniPC(settings.shift()), steps, SamplingContext.NONE);
    CalibrationSetup setup = new CalibrationSetup(
        "shapes-wan-t2v", List.of("magenta diamond moving up"), "seed 11", steps, settings.shift(), settings.guidance(), maxSkip,
        "batched", "cpu/float32", unipc.describe());
    CalibrationJob job = new CalibrationJob(pipeline.transformer(), text, noise, setup, unipc, GuidedDenoiser.Branches.BATCHED, 64);
    EdgeErrors errors = job.run(new EdgeErrors(steps, maxSkip, 1), null, CalibrationListener.NONE);
    assertTrue(errors.complete());
    Tensor full = uniPC(unipc, FullCompute.INSTANCE);
    for (int[] edge : new int[][] {{0, 2}, {2, 5}, {4, 7}}) {
      int i = edge[0];
      int j = edge[1];
      int[] computed = IntStream.range(0, steps).filter(s -> s <= i || s >= j).toArray();
      double expected = uniPC(unipc, new StaticSchedulePolicy(Schedule.of(steps, computed))).sub(full).abs().mean().item_double();
      assertTrue(expected > 1e-4, "edge " + i + "->" + j + " has a visible error (" + expected + ")");
      assertEquals(expected, errors.mean(i, j), 1e-4 * expected, "UniPC edge " + i + "->" + j);
    }
  }

  /**
   * Under magnitude-ratio reuse the calibrated edges equal runs of the schedule under the rule the
   * file records (its magnitudes measured on the full run): the DAG stays exact.
   */
  @Test
  void underMagnitudeRatioReuseEdgesMatchRunsThatReuseSo() {
    int steps = 6;
    int maxSkip = 3;
    SamplerSettings six = pipeline.defaults().withOverrides(steps, null, null);
    Sampler euler = new dev.lemica.sampling.FlowMatchEuler(steps, six.shift());
    CalibrationSetup setup = new CalibrationSetup(
        "shapes-wan-t2v", List.of("magenta diamond moving up"), "seed 11", steps, six.shift(), six.guidance(), maxSkip,
        "batched", "cpu/float32", euler.describe(), null, "magnitude-ratio", null);
    Path out = dir.resolve("magnitude.json");
    CalibrationJob job = new CalibrationJob(pipeline.transformer(), text, noise, setup, euler, GuidedDenoiser.Branches.BATCHED, 64);
    EdgeErrors errors = job.run(job.initialErrors(out), out, CalibrationListener.NONE);
    ReuseRule rule = ReuseRule.fromJson(dev.lemica.io.StrictJson.readObject(out).get("reuse"), steps);
    assertTrue(rule instanceof ReuseRule.MagnitudeRatio, rule.toString());
    Tensor full = pipeline.generate(text, noise, six, FullCompute.INSTANCE, GuidedDenoiser.Branches.SEPARATE, StepListener.NONE).samples();
    double changed = 0;
    for (int[] edge : new int[][] {{0, 3}, {1, 4}}) {
      int i = edge[0];
      int j = edge[1];
      StaticSchedulePolicy schedule = new StaticSchedulePolicy(Schedule.of(steps, IntStream.range(0, steps).filter(s -> s <= i || s >= j).toArray()));
      double expected = pipeline.generate(text, noise, six, schedule.withReuse(rule), GuidedDenoiser.Branches.SEPARATE, StepListener.NONE)
          .samples().sub(full).abs().mean().item_double();
      double plain = pipeline.generate(text, noise, six, schedule, GuidedDenoiser.Branches.SEPARATE, StepListener.NONE)
          .samples().sub(full).abs().mean().item_double();
      // The rule moves 0->3 by more than 1e-3 relative but 1->4 only by about 5e-4 (the magnitudes of
      // steps 1..3 are close): both beyond the 1e-4 the calibrated edge must match.
      changed = Math.max(changed, Math.abs(plain - expected) / plain);
      assertEquals(expected, errors.mean(i, j), 1e-4 * expected, "edge " + i + "->" + j);
    }
    assertTrue(changed > 1e-3, "the rule changes some edge visibly (" + changed + ")");
    CalibrationSetup plainSetup = new CalibrationSetup(
        "shapes-wan-t2v", List.of("magenta diamond moving up"), "seed 11", steps, six.shift(), six.guidance(), maxSkip,
        "batched", "cpu/float32", euler.describe());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ErrorsFile.resume(out, plainSetup));
    assertTrue(e.getMessage().contains("different reuse (\"magnitude-ratio\")"), e.getMessage());
  }

  private static Tensor uniPC(Sampler sampler, dev.lemica.cache.CachePolicy policy) {
    return CachedSampling.run(pipeline.transformer(), sampler, pipeline.conditioning(text), dev.lemica.sampling.Guidance.classifierFree(settings.guidance()), noise, policy,
        GuidedDenoiser.Branches.SEPARATE, StepListener.NONE).latents();
  }

  @Test
  void continuesAFileThatNamesItsSamplerWithoutSettingsButNotAnotherSampler() throws IOException {
    Path out = dir.resolve("legacy.json");
    ErrorsFile.write(out, setup(), new EdgeErrors(STEPS, MAX_SKIP, 1), 0);
    String json = Files.readString(out);
    String ours = "\"flow-matching-euler(shift " + settings.shift() + ")\"";
    assertTrue(json.contains(ours), json);
    Files.writeString(out, json.replace(ours, "\"flow-matching-euler\""));
    assertFalse(ErrorsFile.resume(out, setup()).complete());
    Files.writeString(out, json.replace(ours, "\"UniPCMultistepScheduler(order 2, bh2, flow_shift 3.0)\""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ErrorsFile.resume(out, setup()));
    assertTrue(e.getMessage().contains("different sampler"), e.getMessage());
  }

  @Test
  void anInterruptedRunContinuesToTheSameResult() {
    Path out = dir.resolve("partial.json");
    CalibrationJob job = job(2); // small batches: the group is split, exercising the chunking
    RuntimeException stop = new RuntimeException("interrupted");
    assertThrows(
        RuntimeException.class,
        () ->
            job.run(job.initialErrors(out), out, new CalibrationListener() {
              @Override
              public void groupDone(int j, EdgeErrors e) {
                if (j == 5) {
                  throw stop;
                }
              }
            }));
    EdgeErrors partial = job.initialErrors(out);
    assertTrue(partial.groupComplete(4));
    assertFalse(partial.groupComplete(6));
    long[] units = {0};
    EdgeErrors resumed = job.run(partial, out, new CalibrationListener() {
      @Override
      public void progressed(long u) {
        units[0] += u;
      }
    });
    assertTrue(resumed.complete());
    long remaining = STEPS; // reference trajectory
    for (int j = 6; j < STEPS; j++) {
      remaining += (long) (STEPS - j) * resumed.startsEndingAt(j).length;
    }
    assertEquals(remaining, units[0], "only the missing groups ran again");

    EdgeErrors fresh = job(64).run(new EdgeErrors(STEPS, MAX_SKIP, 1), null, CalibrationListener.NONE);
    for (int i = 0; i < STEPS; i++) {
      for (int j = i + 2; j <= Math.min(STEPS - 1, i + MAX_SKIP); j++) {
        assertEquals(fresh.mean(i, j), resumed.mean(i, j), 1e-4 * fresh.mean(i, j), i + "->" + j);
      }
    }
  }

  @Test
  void refusesToContinueAFileOfAnotherSetup() {
    Path out = dir.resolve("other.json");
    ErrorsFile.write(out, setup(), new EdgeErrors(STEPS, MAX_SKIP, 1), 0);
    CalibrationSetup other = new CalibrationSetup("shapes-wan-t2v", List.of("magenta diamond moving up"), "seed 12", STEPS, settings.shift(), settings.guidance(), MAX_SKIP, "batched", "cpu/float32");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ErrorsFile.resume(out, other));
    assertTrue(e.getMessage().contains("different noise"), e.getMessage());
  }
}
