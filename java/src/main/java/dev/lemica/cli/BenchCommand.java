package dev.lemica.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.ResidualCache;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.kernels.Profiling;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Models;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.SamplerState;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.Schedule;
import dev.lemica.torch.HostMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures speed where no checkpoint is needed: a transformer architecture with random weights (a bundled"
          + " preset, or any supported config.json: Wan2.1, CogVideoX 1.5, Latte, STDiT3, FLUX.1, Qwen-Image), at a given latent size, with the"
          + " family's guidance (Wan CFG 5, Qwen-Image true CFG 4: two branches; FLUX.1-dev distilled guidance:"
          + " one). Reports the measured matrix-product"
          + " peak, one full and one reused step (median of --repeats), MFU of the full step (on a GPU), the host's own"
          + " cost of a step (the same step on one token), end-to-end"
          + " sampling for full compute and each budget (uniform schedules: the speed of a static schedule does"
          + " not depend on which steps it computes) with speedups, the weights' size, and memory: the device's on a"
          + " GPU, the host's peak resident set on a CPU (where weights that would not fit in the available memory"
          + " are refused before any is allocated).",
      "All numbers come from this one process: compare them with each other, not across runs or machines."
    })
final class BenchCommand implements Callable<Integer> {
  private static final double GIB = 1024.0 * 1024 * 1024;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Architecture architecture;

  static final class Architecture {
    @Option(names = "--preset", description = "wan2.1-t2v-1.3b, wan2.1-t2v-14b, cogvideox1.5-5b, latte-1, opensora-1.2, flux.1-dev or qwen-image: the released"
        + " transformer config (random weights).")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "A transformer config.json of a supported class (random weights).")
    Path config;
  }

  @Option(names = "--latent", split = ",", paramLabel = "C,F,H,W|C,H,W",
      description = "VAE latent shape without the batch, channels first whatever the family's layout: C,F,H,W for the video"
          + " models (defaults: Wan 16,21,60,104: 480p x 81 frames, 32,760 tokens; CogVideoX 1.5 16,22,96,170: 768x1360 x 81"
          + " frames with its padding frame; Latte 4,16,64,64: 512x512 x 16 frames), C,H,W for FLUX and Qwen-Image (default"
          + " 16,128,128: 1024x1024, 4,096 tokens).")
  List<Long> latent;

  @Option(names = "--text-tokens", description = "Text tokens. Default: the length the family's pipeline encodes prompts to (Wan2.1, FLUX.1, Qwen-Image 512; CogVideoX 226; Latte 120; STDiT3 model_max_length).")
  Integer textTokenCount;

  @Option(names = "--steps", defaultValue = "50", description = "Sampling steps. Default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--budgets", split = ",", defaultValue = "25,20,17,14", description = "Budgets to time end to end. Default: ${DEFAULT-VALUE}.")
  List<Integer> budgets;

  @Option(names = "--repeats", defaultValue = "5", description = "Timed repeats of the single-step measurements. Default: ${DEFAULT-VALUE}.")
  int repeats;

  @Option(names = "--end-to-end", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also time whole samplings (on by default; --no-end-to-end for the step figures only).")
  boolean endToEnd;

  @Option(names = "--cfg", defaultValue = "auto", description = "CFG layout: auto, batched, separate or parallel. Default: ${DEFAULT-VALUE}.")
  String cfg;

  @Option(names = "--report", paramLabel = "FILE.json", description = "Write the figures as JSON.")
  Path report;

  @Mixin ComputeOptions compute;

  @Override
  public Integer call() throws IOException {
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = Cli.branches(cfg, target);
    ModelConfig config = architecture.preset != null ? Models.preset(architecture.preset) : ModelConfig.read(architecture.config);
    if (steps < 4 || repeats < 1) {
      throw new IllegalArgumentException(
          "--steps must be at least 4 and --repeats at least 1 (single steps are timed after two warm-up steps, before the last)");
    }
    int rank = Models.latentRank(config);
    if (latent != null && (latent.size() != rank || latent.stream().anyMatch(v -> v <= 0))) {
      throw new IllegalArgumentException(
          "--latent needs " + (rank == 4 ? "four positive sizes C,F,H,W for this video model" : "three positive sizes C,H,W for this image model")
              + ", got " + latent);
    }
    ObjectNode out = new ObjectMapper().createObjectNode();
    long weightBytes = Models.weightBytes(config, target.dtype());
    OptionalLong available = HostMemory.available();
    if (!target.isCuda() && available.isPresent() && weightBytes > 0.9 * available.getAsLong()) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s: the weights alone need %.1f GiB in %s but the host has %.1f GiB available; not loading them",
              architecture.preset != null ? "--preset " + architecture.preset : architecture.config.toString(),
              weightBytes / GIB, target.dtypeName(), available.getAsLong() / GIB));
    }
    out.put("weight_bytes", weightBytes);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionTransformer model = Models.withRandomWeights(config, target, 0)) {
      List<Long> shape = latent != null ? latent : model.typicalLatentShape();
      int textTokens = textTokenCount != null ? textTokenCount : model.typicalTextTokens();
      ExampleInputs example = model.exampleInputs(shape, textTokens);
      long tokens = example.tokens();
      Tensor noise = example.latents();
      Map<String, Tensor> c = example.cond();
      Map<String, Tensor> u = example.uncond();
      double guidance = example.guidance();
      FlowMatchEuler sampler = new FlowMatchEuler(steps, 5.0);
      System.out.printf(Locale.ROOT, "%s on %s, latent %s (%d tokens), %d text tokens, %s%n",
          architecture.preset != null ? architecture.preset : architecture.config, target, shape, tokens, textTokens,
          guidance == 1.0 ? "one branch (no CFG)" : "CFG " + guidance + " " + branches);
      out.put("model", architecture.preset != null ? architecture.preset : architecture.config.toString());
      out.put("class", model.className());
      out.put("text_tokens", textTokens);
      out.put("compute", target.toString());
      out.put("tokens", tokens);
      out.put("cfg", guidance == 1.0 ? "none" : branches.toString());
      if (!target.isCuda()) {
        HostMemory.peakResident().ifPresent(hwm -> {
          System.out.printf(Locale.ROOT, "weights %.2f GiB in %s; host peak resident set after building them: %.2f GiB%n",
              weightBytes / GIB, target.dtypeName(), hwm / GIB);
          out.put("host_peak_rss_after_load_bytes", hwm);
        });
      }

      double peak = matmulPeak(target);
      double full = stepMillis(model, sampler, noise, c, u, guidance, FullCompute.INSTANCE, branches);
      Schedule endsOnly = Schedule.of(steps, 0, steps - 1);
      double reused = stepMillis(model, sampler, noise, c, u, guidance, new StaticSchedulePolicy(endsOnly), branches);
      // One token: the device work of a step all but vanishes, so what remains is the host's own
      // cost of issuing a full step (Java, JavaCPP, LibTorch dispatch, kernel launches).
      ExampleInputs one = model.exampleInputs(model.oneTokenLatentShape(), textTokens);
      double hostBound = stepMillis(model, sampler, one.latents(), one.cond(), one.uncond(), guidance, FullCompute.INSTANCE, branches);
      int branchCount = guidance == 1.0 ? 1 : 2;
      double flops = branchCount * example.forwardFlops();
      System.out.printf(Locale.ROOT, "matrix-product peak (%s): %s%n", target.dtypeName(), rate(peak));
      // On a CPU one matrix product is no ceiling for a step whose CFG branches run on threads of
      // their own (each with its own BLAS), so MFU is reported for GPUs only.
      String mfu = target.isCuda() ? String.format(Locale.ROOT, " = %.1f%% MFU", 100 * flops / (full / 1e3) / peak) : "";
      System.out.printf(Locale.ROOT, "full step: %.2f ms = %s%s (%.3g FLOP, block stack %.1f%%)%n",
          full, rate(flops / (full / 1e3)), mfu, flops, 100 * example.blockStackFlops() / example.forwardFlops());
      System.out.printf(Locale.ROOT, "reused step (block stack skipped): %.2f ms (%.1f%% of a full step)%n", reused, 100 * reused / full);
      System.out.printf(Locale.ROOT,
          "host-bound step (1 token, device nearly idle): %.2f ms = the host's own cost per step, %.1f%% of"
              + " a full step; %s%n",
          hostBound, 100 * hostBound / full,
          target.isCuda()
              ? "launches are asynchronous, so the GPU waits on the host only where this exceeds its own time"
              : "on a CPU it adds to the arithmetic");
      out.put("matmul_peak_flops", peak);
      out.put("host_bound_step_ms", hostBound);
      out.put("full_step_ms", full);
      out.put("reused_step_ms", reused);
      out.put("step_flops", flops);
      if (target.isCuda()) {
        out.put("mfu", flops / (full / 1e3) / peak);
      }
      if (endToEnd) {
        ArrayNode runs = out.putArray("end_to_end");
        runMillis(model, new FlowMatchEuler(Math.min(steps, 3), 5.0), noise, c, u, guidance, FullCompute.INSTANCE, branches);
        double fullRun = runMillis(model, sampler, noise, c, u, guidance, FullCompute.INSTANCE, branches);
        System.out.println("| budget | steps computed | wall (s) | speedup | ideal |");
        System.out.println("|---:|---:|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| full | %d | %.2f | 1.00x | 1.00x |%n", steps, fullRun / 1e3);
        runs.addObject().put("budget", steps).put("ms", fullRun);
        for (int b : budgets) {
          double ms = runMillis(model, sampler, noise, c, u, guidance, new StaticSchedulePolicy(Schedule.uniform(steps, b)), branches);
          System.out.printf(Locale.ROOT, "| %d | %d | %.2f | %.2fx | %.2fx |%n", b, b, ms / 1e3, fullRun / ms, (double) steps / b);
          runs.addObject().put("budget", b).put("ms", ms).put("speedup", fullRun / ms);
        }
      }
      if (!target.isCuda()) {
        HostMemory.peakResident().ifPresent(hwm -> {
          System.out.printf(Locale.ROOT, "host peak resident set: %.2f GiB%n", hwm / GIB);
          out.put("host_peak_rss_bytes", hwm);
        });
      }
      if (target.isCuda()) {
        Profiling.cudaMemory(target.device().index() < 0 ? 0 : target.device().index()).ifPresent(m -> {
          System.out.printf(Locale.ROOT, "device memory in use: %.2f GiB of %.2f GiB%n", (m[1] - m[0]) / 1073741824.0, m[1] / 1073741824.0);
          out.put("device_memory_used_bytes", m[1] - m[0]);
        });
      }
    }
    if (report != null) {
      Files.writeString(report, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
    }
    return 0;
  }

  /** FLOP/s of a square matrix product in the compute dtype, the ceiling MFU is measured against. */
  private double matmulPeak(ComputeTarget target) {
    int n = target.isCuda() ? 8192 : 1024;
    TensorOptions options = new TensorOptions(target.dtype()).device(new DeviceOptional(target.device()));
    Tensor a = torch.randn(new long[] {n, n}, options);
    Tensor b = torch.randn(new long[] {n, n}, options);
    double[] times = new double[repeats + 2];
    for (int i = 0; i < times.length; i++) {
      try (PointerScope s = new PointerScope()) {
        Profiling.synchronize(a);
        long t0 = System.nanoTime();
        Tensor c = a.matmul(b);
        Profiling.synchronize(c);
        times[i] = (System.nanoTime() - t0) / 1e9;
      }
    }
    return 2.0 * n * n * n / median(Arrays.copyOfRange(times, 2, times.length));
  }

  /** Median wall time of one sampling step under a policy, after the steps before it warmed up. */
  private double stepMillis(
      DiffusionTransformer model, FlowMatchEuler sampler, Tensor noise, Map<String, Tensor> c, Map<String, Tensor> u, double guidance,
      CachePolicy policy, GuidedDenoiser.Branches branches) {
    int measured = Math.min(repeats, steps - 3);
    List<Double> times = new ArrayList<>();
    try (ResidualCache cache = new ResidualCache(policy.start(steps));
        GuidedDenoiser denoiser = new GuidedDenoiser(model, c, u, model.pipelineGuidance(guidance), cache, branches)) {
      SamplerState x = sampler.start(noise, denoiser.device());
      for (int i = 0; i < 2 + measured; i++) {
        Profiling.synchronize(x.latents());
        long t0 = System.nanoTime();
        SamplerState next = sampler.step(x, denoiser, StepListener.NONE);
        Profiling.synchronize(next.latents());
        if (i >= 2) {
          times.add((System.nanoTime() - t0) / 1e6);
        }
        x.close();
        x = next;
      }
      x.close();
    }
    return median(times.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private double runMillis(
      DiffusionTransformer model, FlowMatchEuler sampler, Tensor noise, Map<String, Tensor> c, Map<String, Tensor> u, double guidance,
      CachePolicy policy, GuidedDenoiser.Branches branches) {
    try (PointerScope scope = new PointerScope();
        ResidualCache cache = new ResidualCache(policy.start(steps));
        GuidedDenoiser denoiser = new GuidedDenoiser(model, c, u, model.pipelineGuidance(guidance), cache, branches)) {
      Profiling.synchronize(noise);
      long t0 = System.nanoTime();
      Tensor x = sampler.sample(noise, denoiser, StepListener.NONE);
      Profiling.synchronize(x);
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  private static String rate(double flopsPerSecond) {
    return flopsPerSecond >= 1e12
        ? String.format(Locale.ROOT, "%.1f TFLOP/s", flopsPerSecond / 1e12)
        : String.format(Locale.ROOT, "%.1f GFLOP/s", flopsPerSecond / 1e9);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
