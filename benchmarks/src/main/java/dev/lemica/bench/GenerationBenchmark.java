package dev.lemica.bench;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.pipeline.SamplerSettings;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.ScheduleSource;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.torch.TorchRuntime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One prompt, 50 steps, CFG 4 with the embedded shapes model on the CPU, fp32: full compute against
 * a budget of B computed steps (the model's calibrated LeMiCa schedule when it ships one, else
 * uniform). Each invocation is a whole generation, as a user runs it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class GenerationBenchmark {
  /** 50 = full compute. */
  @Param({"50", "20"})
  public int budget;

  /** How the CFG branches run; PARALLEL is what the CLI picks on a multi-core CPU. */
  @Param({"PARALLEL", "BATCHED"})
  public GuidedDenoiser.Branches cfg;

  private PointerScope scope;
  private InferenceMode inference;
  private TextToVideoPipeline pipeline;
  private PromptEmbeddings text;
  private Tensor noise;
  private SamplerSettings settings;
  private CachePolicy policy;

  @Setup(Level.Trial)
  public void load() {
    TorchRuntime.configure(null);
    scope = new PointerScope();
    inference = new InferenceMode();
    pipeline = TextToVideoPipeline.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32);
    text = pipeline.encode(List.of("red circle moving right"));
    torch.manual_seed(0);
    noise = torch.randn(1, 3, 8, 32, 32);
    settings = pipeline.defaults();
    policy =
        budget >= settings.steps()
            ? FullCompute.INSTANCE
            : ScheduleSource.forBudget(EmbeddedModels.shapesWanT2v(), settings.steps(), budget);
    System.out.println("policy: " + policy.describe());
  }

  @Benchmark
  public float generate() {
    try (PointerScope step = new PointerScope()) {
      Tensor video = pipeline.generate(text, noise, settings, policy, cfg, StepListener.NONE).samples();
      return video.mean().item_float();
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    pipeline.close();
    inference.close();
    scope.close();
  }
}
