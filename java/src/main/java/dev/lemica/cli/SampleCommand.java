package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.Schedulers;
import dev.lemica.text.PromptEmbeddings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
          + " (B, tokens, dim), as the golden wan_cached_loop/io.safetensors does. For a model that makes its"
          + " unconditional branch itself (Open-Sora's STDiT3: the learned null caption) it holds in.noise and the"
          + " conditional branch's forward inputs by name instead: in.y (B, 1, L, C), in.mask, in.fps, in.height,"
          + " in.width (pixels), plus in.num_frames (pixel frames) for RFLOW's timestep transform, which also"
          + " reads in.height and in.width. Writes out.sample (float32): the final latents."
    })
final class SampleCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers transformer folder (or a folder holding transformer/).")
  Path model;

  @Option(names = "--inputs", required = true, paramLabel = "FILE", description = "safetensors with in.noise, in.cond, in.uncond (or in.noise and the model's conditioning inputs, see above).")
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

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = Cli.branches(cfg, target);
    checkSchedulerFlags();
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs);
        DiffusionTransformer transformer = Models.load(model, target)) {
      if (!io.names().contains("in.noise")) {
        throw new IllegalArgumentException(inputs + ": lacks tensor 'in.noise'");
      }
      Map<String, Tensor>[] branchInputs = branchInputs(io, transformer);
      Sampler sampler = sampler(videoContext(io));
      CachePolicy policy = cache.policy(steps, model, sampler.describe());
      long start = System.nanoTime();
      try (ResidualCache residuals = new ResidualCache(policy.start(steps));
          GuidedDenoiser denoiser =
            new GuidedDenoiser(
                transformer,
                branchInputs[0],
                branchInputs[1],
                guidance,
                residuals,
                branches.serving(policy))) {
        Tensor result = sampler.sample(io.tensor("in.noise"), denoiser, (s, n, c) -> {});
        new SafetensorsWriter().put("out.sample", result.to(ScalarType.Float)).write(out);
        System.out.printf(
            "%s, %d steps of %s, cache %s: %d block-stack evaluations, %.2f s -> %s%n",
            transformer.className(), steps, sampler.describe(), policy.describe(), residuals.computedCalls() * denoiser.branchesPerCall(),
            (System.nanoTime() - start) / 1e9, out);
      }
    }
    return 0;
  }

  /**
   * {cond, uncond}: in.cond / in.uncond as encoder_hidden_states; or, without them, every other in.*
   * tensor as the conditional branch and the model's own unconditional branch.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Tensor>[] branchInputs(SafetensorsFile io, DiffusionTransformer transformer) {
    if (io.names().contains("in.cond") || io.names().contains("in.uncond")) {
      for (String name : new String[] {"in.cond", "in.uncond"}) {
        if (!io.names().contains(name)) {
          throw new IllegalArgumentException(inputs + ": lacks tensor '" + name + "'");
        }
      }
      PromptEmbeddings text = new PromptEmbeddings(io.tensor("in.cond"), io.tensor("in.uncond"));
      return new Map[] {Map.of("encoder_hidden_states", text.cond()), Map.of("encoder_hidden_states", text.uncond())};
    }
    Map<String, Tensor> cond = new LinkedHashMap<>();
    for (String name : io.names()) {
      if (name.startsWith("in.") && !name.equals("in.noise")) {
        cond.put(name.substring(3), io.tensor(name));
      }
    }
    for (String name : transformer.inputNames()) {
      if (!name.equals(transformer.latentsInput()) && !name.equals("timestep") && !cond.containsKey(name)) {
        throw new IllegalArgumentException(inputs + ": lacks tensor 'in.cond' (text embeddings) or 'in." + name + "' (" + transformer.className() + "'s own input)");
      }
    }
    Map<String, Tensor> uncond =
        transformer
            .unconditional(cond)
            .orElseThrow(() -> new IllegalArgumentException(
                inputs + ": lacks tensors 'in.cond' and 'in.uncond': " + transformer.className() + " takes its unconditional branch from them"));
    return new Map[] {cond, uncond};
  }

  /** Open-Sora's RFLOW moves its timesteps by the video's size: in.height, in.width, in.num_frames where present. */
  private static SamplingContext videoContext(SafetensorsFile io) {
    if (!io.names().contains("in.height") || !io.names().contains("in.width")) {
      return SamplingContext.NONE;
    }
    int frames = io.names().contains("in.num_frames") ? (int) firstValue(io, "in.num_frames") : 0;
    return SamplingContext.NONE.withVideo((int) firstValue(io, "in.height"), (int) firstValue(io, "in.width"), frames);
  }

  private static double firstValue(SafetensorsFile io, String name) {
    Tensor t = io.tensor(name);
    if (t.numel() == 0) {
      throw new IllegalArgumentException(name + " is empty");
    }
    return t.reshape(-1).get(0).to(ScalarType.Double).item_double();
  }

  private void checkSchedulerFlags() {
    boolean builtIn = scheduler.equals("euler") || scheduler.equals("unipc");
    if (builtIn && shift == null) {
      throw new IllegalArgumentException("--scheduler " + scheduler + " needs --shift");
    }
    if (!builtIn && shift != null) {
      throw new IllegalArgumentException("--shift: the scheduler file " + scheduler + " sets its own shift");
    }
  }

  private Sampler sampler(SamplingContext video) {
    if (scheduler.equals("euler")) {
      return new FlowMatchEuler(steps, shift);
    }
    SamplingContext context = mu != null ? video.withMu(mu) : video;
    if (scheduler.equals("unipc")) {
      return Schedulers.fromConfig(Schedulers.wan21UniPC(shift), steps, context);
    }
    return Schedulers.fromConfig(Path.of(scheduler), steps, context);
  }
}
