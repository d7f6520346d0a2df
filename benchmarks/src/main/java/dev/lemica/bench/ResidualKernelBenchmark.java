package dev.lemica.bench;

import dev.lemica.kernels.NativeKernels;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * LeMiCa's native kernels against the LibTorch expressions they replace: the residual cache's
 * store ({@code after − before}) and apply ({@code before + residual}), and calibration's
 * per-sample mean absolute error.
 *
 * <pre>
 * mvn -B -q -DskipTests package
 * java -jar benchmarks/target/benchmarks.jar ResidualKernelBenchmark -f 1 -wi 2 -i 3
 * java -jar benchmarks/target/benchmarks.jar ResidualKernelBenchmark -p device=cuda   # -Pgpu build
 * </pre>
 *
 * <p>Sizes: {@code wan13b} is Wan2.1-1.3B's hidden states at 480×832, 81 frames (1 × 32760 × 1536);
 * {@code small} is 1 × 1024 × 512. The {@code *Into} variants write into a preallocated buffer, as a
 * cache that keeps its residual tensor would; on a CPU the others are dominated, at the Wan size, by
 * the page faults of a fresh 200 MB allocation per call rather than by the arithmetic. On CUDA each operation ends with a device
 * synchronisation, so the times are GPU times plus one launch and one sync.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class ResidualKernelBenchmark {
  @Param({"cpu"})
  public String device;

  @Param({"float32", "bfloat16"})
  public String dtype;

  @Param({"small", "wan13b"})
  public String size;

  private boolean cuda;
  private Tensor after;
  private Tensor before;
  private Tensor residual;
  private Tensor out;
  private Tensor errors;

  @Setup(Level.Trial)
  public void setUp() {
    NativeKernels.requireAvailable();
    cuda = device.startsWith("cuda");
    long[] shape =
        switch (size) {
          case "wan13b" -> new long[] {1, 32760, 1536};
          case "small" -> new long[] {1, 1024, 512};
          default -> throw new IllegalArgumentException("size: small or wan13b, not " + size);
        };
    ScalarType type =
        switch (dtype) {
          case "float32" -> ScalarType.Float;
          case "bfloat16" -> ScalarType.BFloat16;
          case "float16" -> ScalarType.Half;
          default -> throw new IllegalArgumentException("dtype: float32, bfloat16 or float16");
        };
    Device where = new Device(device);
    torch.manual_seed(0);
    after = torch.randn(shape).to(where, type);
    before = torch.randn(shape).to(where, type);
    residual = after.sub(before);
    out = torch.empty_like(after);
    errors = after.flatten(1, -1).select(1, 0).to(ScalarType.Float).contiguous(); // (batch,)
    sync();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (Tensor t : new Tensor[] {after, before, residual, out, errors}) {
      t.close();
    }
  }

  private void sync() {
    if (cuda) {
      torch.cuda_synchronize();
    }
  }

  @Benchmark
  public void storeTorch(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(after.sub(before).address());
      sync();
    }
  }

  @Benchmark
  public void storeNative(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(NativeKernels.residualStore(after, before).address());
      sync();
    }
  }

  @Benchmark
  public void storeTorchInto(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(torch.sub_out(out, after, before).address());
      sync();
    }
  }

  @Benchmark
  public void storeNativeInto(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(NativeKernels.residualStoreInto(out, after, before).address());
      sync();
    }
  }

  @Benchmark
  public void applyTorch(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(before.add(residual).address());
      sync();
    }
  }

  @Benchmark
  public void applyNative(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(NativeKernels.residualApply(before, residual).address());
      sync();
    }
  }

  @Benchmark
  public void applyTorchInto(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(torch.add_out(out, before, residual).address());
      sync();
    }
  }

  @Benchmark
  public void applyNativeInto(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(NativeKernels.residualApplyInto(out, before, residual).address());
      sync();
    }
  }

  /** What calibration would write in LibTorch: differences in the input dtype, float32 mean. */
  @Benchmark
  public void meanAbsErrorTorch(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      Tensor e =
          after
              .sub(before)
              .abs()
              .flatten(1, -1)
              .mean(new long[] {1}, false, new ScalarTypeOptional(ScalarType.Float));
      bh.consume(e.address());
      sync();
    }
  }

  @Benchmark
  public void meanAbsErrorNative(Blackhole bh) {
    try (PointerScope scope = new PointerScope()) {
      bh.consume(NativeKernels.meanAbsErrorInto(errors, after, before).address());
      sync();
    }
  }
}
