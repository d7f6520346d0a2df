package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.distributed.ParallelPlan;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.Schedulers;
import dev.lemica.text.PromptEmbeddings;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the cached sampling loop from explicit inputs, to check it against Python.",
      "The inputs file holds in.noise (B, C, F, H, W) and the text embeddings in.cond and in.uncond"
          + " (B, tokens, dim), as the golden wan_cached_loop/io.safetensors does. Writes out.sample (float32)."
    })
final class SampleCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers transformer folder (or a folder holding transformer/).")
  Path model;

  @Option(names = "--inputs", required = true, paramLabel = "FILE", description = "safetensors with in.noise, in.cond, in.uncond.")
  Path inputs;

  @Option(names = "--steps", required = true, description = "Sampling steps.")
  int steps;

  @Option(
      names = "--scheduler",
      defaultValue = "euler",
      paramLabel = "euler|unipc|FILE",
      description = {
        "The sampler. euler: flow-matching Euler over s = linspace(1, 0, steps+1) shifted by --shift (the"
            + " embedded model's sampler); unipc: diffusers' UniPCMultistepScheduler with the Wan2.1 folders'"
            + " scheduler_config.json (solver_order 2, bh2, flow_prediction, flow_shift = --shift); FILE: a"
            + " diffusers scheduler_config.json (UniPCMultistepScheduler, FlowMatchEulerDiscreteScheduler,"
            + " CogVideoXDDIMScheduler, CogVideoXDPMScheduler, DDIMScheduler) or Open-Sora's RFLOW arguments,"
            + " which set their own shift. Stochastic schedulers draw their step noise from a CPU generator"
            + " seeded 0. Default: ${DEFAULT-VALUE}."
      })
  String scheduler;

  @Option(names = "--shift", description = "Flow-matching sigma shift (flow_shift) for --scheduler euler or unipc; required there.")
  Double shift;

  @Option(names = "--mu", description = "The time-shift mu a scheduler file with use_dynamic_shifting needs (what the pipeline computes from the image size).")
  Double mu;

  @Option(names = "--guidance", required = true, description = "Classifier-free guidance scale.")
  double guidance;

  @Mixin CacheOptions cache;

  @Option(names = "--cfg", defaultValue = "auto", description = "How the CFG branches run: batched (one forward of batch 2B), separate (two forwards), parallel (two forwards on two threads with one-thread BLAS each) or auto (parallel on a multi-core CPU, batched on CUDA). Default: ${DEFAULT-VALUE}.")
  String cfg;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "safetensors file to write out.sample to.")
  Path out;

  @Mixin ComputeOptions compute;

  @Mixin ParallelOptions parallel;

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = Cli.branches(cfg, target);
    ParallelPlan.Mode mode = parallel.mode();
    Sampler sampler = sampler();
    Ranks ranks = Ranks.join(target);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs);
        DiffusionTransformer transformer = Models.load(model, target)) {
      for (String name : new String[] {"in.noise", "in.cond", "in.uncond"}) {
        if (!io.names().contains(name)) {
          throw new IllegalArgumentException(inputs + ": lacks tensor '" + name + "'");
        }
      }
      PromptEmbeddings text = new PromptEmbeddings(io.tensor("in.cond"), io.tensor("in.uncond"));
      CachePolicy policy = cache.policy(steps, model, sampler.describe());
      Parallelism split = ranks.parallelism(mode, guidance != 1.0);
      long start = System.nanoTime();
      try (ResidualCache residuals = new ResidualCache(policy.start(steps));
          GuidedDenoiser denoiser =
            new GuidedDenoiser(
                transformer,
                Map.of("encoder_hidden_states", text.cond()),
                Map.of("encoder_hidden_states", text.uncond()),
                guidance,
                residuals,
                branches.serving(policy),
                split)) {
        Tensor result = sampler.sample(io.tensor("in.noise"), denoiser, (s, n, c) -> {});
        ranks.agree();
        if (ranks.leads()) {
          new SafetensorsWriter().put("out.sample", result.to(ScalarType.Float)).write(out);
          System.out.printf(
              "%s, %d steps of %s, cache %s%s: %d block-stack evaluations, %.2f s -> %s%n",
              transformer.className(), steps, sampler.describe(), policy.describe(),
              ranks.size() > 1 ? ", " + ranks.describe(mode, guidance != 1.0) : "", residuals.computedCalls() * denoiser.branchesPerCall(),
              (System.nanoTime() - start) / 1e9, out);
        }
      }
    }
    return 0;
  }

  private Sampler sampler() {
    boolean builtIn = scheduler.equals("euler") || scheduler.equals("unipc");
    if (builtIn && shift == null) {
      throw new IllegalArgumentException("--scheduler " + scheduler + " needs --shift");
    }
    if (!builtIn && shift != null) {
      throw new IllegalArgumentException("--shift: the scheduler file " + scheduler + " sets its own shift");
    }
    if (scheduler.equals("euler")) {
      return new FlowMatchEuler(steps, shift);
    }
    SamplingContext context = mu != null ? SamplingContext.NONE.withMu(mu) : SamplingContext.NONE;
    if (scheduler.equals("unipc")) {
      return Schedulers.fromConfig(Schedulers.wan21UniPC(shift), steps, context);
    }
    return Schedulers.fromConfig(Path.of(scheduler), steps, context);
  }
}
