package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.ResidualCache;
import dev.lemica.distributed.ParallelPlan;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.DynamicGuidance;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
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
      "The inputs file holds in.noise, the initial latents in the layout the model takes (Wan2.1, Latte and STDiT3"
          + " (B, C, F, H, W); CogVideoX (B, F, C, H, W), frames padded to a multiple of patch_size_t as"
          + " CogVideoXPipeline pads them), and the text embeddings in.cond and in.uncond (B, tokens, dim), as the"
          + " golden wan_cached_loop/io.safetensors does. CFG runs as [uncond; cond], the order of the diffusers"
          + " pipelines' batched call. For a model that makes its unconditional branch itself (Open-Sora's STDiT3:"
          + " the learned null caption) it holds in.noise and the conditional branch's forward inputs by name"
          + " instead: in.y (B, 1, L, C), in.mask, in.fps, in.height, in.width (pixels), plus in.num_frames (pixel"
          + " frames) for RFLOW's timestep transform, which also reads in.height and in.width. A learned-sigma model"
          + " (Latte: twice the latent channels) steps on the first half of its guided output, as LattePipeline"
          + " does with DDIM. Writes the final latents as out.sample (float32; CogVideoX's padding frame is still"
          + " in front). Qwen-Image: in.noise packed (B, tokens, 64), in.cond and in.uncond"
          + " (texts of their own lengths), in.cond_mask and in.uncond_mask where a text is padded, and in.img_shapes"
          + " (B, 3) token grids; the scheduler file's dynamic shift gets mu from the token count and the"
          + " pipeline's sigmas linspace(1, 1/N, N), and the guidance is the pipeline's true CFG with its norm"
          + " rescale. FLUX.1: in.noise packed and its forward inputs by name (in.encoder_hidden_states,"
          + " in.pooled_projections, in.img_ids, in.txt_ids, in.guidance) with --guidance 1: FLUX.1-dev's"
          + " guidance is distilled into in.guidance, one branch runs. With in.cond and in.uncond, any other in.* tensor"
          + " goes to both branches as the forward input of that name."
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

  @Option(names = "--dynamic-cfg", description = "CogVideoXPipeline's use_dynamic_cfg: the scale of each step is"
      + " 1 + g(1 - cos(pi((N - t)/N)^5))/2 with g = --guidance, t the step's timestep and N = --steps (how CogVideoX 1.5 is sampled).")
  boolean dynamicCfg;

  @Mixin CacheOptions cache;

  @Option(names = "--cfg", defaultValue = "auto", description = "How the CFG branches run: batched (one forward of batch 2B), separate (two forwards), parallel (two forwards on two threads with one-thread BLAS each) or auto (parallel on a multi-core CPU, batched on CUDA). With the branches split across ranks (--parallel cfg) each rank runs one and this does not apply. Default: ${DEFAULT-VALUE}.")
  String cfg;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "safetensors file to write out.sample to.")
  Path out;

  @Mixin ComputeOptions compute;

  @Mixin ParallelOptions parallel;

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = Cli.branches(cfg, target);
    checkSchedulerFlags();
    ParallelPlan.Mode mode = parallel.mode();
    Ranks ranks = Ranks.join(target);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs);
        DiffusionTransformer transformer = Models.load(model, target)) {
      if (!io.names().contains("in.noise")) {
        throw new IllegalArgumentException(inputs + ": lacks tensor 'in.noise'");
      }
      Map<String, Tensor>[] branchInputs = branchInputs(io, transformer);
      Tensor noise = io.tensor("in.noise");
      SamplingContext context = videoContext(io);
      var pipeline = transformer.pipelineTimesteps(noise);
      if (pipeline.isPresent()) {
        context = context.withImageSeqLen(pipeline.get().imageSeqLen());
        if (pipeline.get().oneOverNSigmas()) {
          context = context.withSigmas(SamplingContext.decreasingToOneOverN(steps));
        }
      }
      Sampler sampler = sampler(context);
      CachePolicy policy = cache.policy(steps, model, sampler.describe());
      Guidance rule = dynamicCfg ? new DynamicGuidance(guidance, steps) : transformer.pipelineGuidance(guidance);
      Parallelism split = ranks.parallelism(mode, rule.guided());
      long start = System.nanoTime();
      try (ResidualCache residuals = new ResidualCache(policy.start(steps));
          GuidedDenoiser denoiser =
            new GuidedDenoiser(
                transformer,
                branchInputs[0],
                branchInputs[1],
                rule,
                residuals,
                branches.serving(policy),
                split)) {
        Tensor result = sampler.sample(noise, denoiser, (s, n, c) -> {});
        ranks.agree();
        if (ranks.leads()) {
          new SafetensorsWriter().put("out.sample", result.to(ScalarType.Float)).write(out);
          System.out.printf(
              "%s, %d steps of %s, cache %s%s: %d block-stack evaluations, %.2f s -> %s%n",
              transformer.className(), steps, sampler.describe(), policy.describe(),
              ranks.size() > 1 ? ", " + ranks.describe(mode, rule.guided()) : "", residuals.computedCalls() * denoiser.branchesPerCall(),
              (System.nanoTime() - start) / 1e9, out);
        }
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
      Map<String, Tensor> cond = new LinkedHashMap<>();
      Map<String, Tensor> uncond = new LinkedHashMap<>();
      if (io.names().contains("in.cond_mask") || io.names().contains("in.uncond_mask")) {
        // Texts of their own lengths with their own masks (Qwen-Image's prompt and negative prompt).
        cond.put("encoder_hidden_states", io.tensor("in.cond"));
        uncond.put("encoder_hidden_states", io.tensor("in.uncond"));
        putIfPresent(io, "in.cond_mask", cond);
        putIfPresent(io, "in.uncond_mask", uncond);
      } else {
        PromptEmbeddings text = new PromptEmbeddings(io.tensor("in.cond"), io.tensor("in.uncond"));
        cond.put("encoder_hidden_states", text.cond());
        uncond.put("encoder_hidden_states", text.uncond());
      }
      // Every other in.* tensor is an input both branches share (Qwen-Image's img_shapes).
      for (String name : io.names()) {
        if (name.startsWith("in.") && !BRANCH_TENSORS.contains(name)) {
          cond.put(name.substring(3), io.tensor(name));
          uncond.put(name.substring(3), io.tensor(name));
        }
      }
      return new Map[] {cond, uncond};
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
    if (guidance == 1.0 && transformer.unconditional(cond).isEmpty()) {
      // One branch (FLUX.1-dev: guidance distilled into the in.guidance input): nothing unconditional runs.
      return new Map[] {cond, cond};
    }
    Map<String, Tensor> uncond =
        transformer
            .unconditional(cond)
            .orElseThrow(() -> new IllegalArgumentException(
                inputs + ": lacks tensors 'in.cond' and 'in.uncond': " + transformer.className() + " takes its unconditional branch from them"));
    return new Map[] {cond, uncond};
  }

  private static final java.util.Set<String> BRANCH_TENSORS =
      java.util.Set.of("in.noise", "in.cond", "in.uncond", "in.cond_mask", "in.uncond_mask");

  /** The branch's mask from the file; where it has none, every token of its text is kept (all ones). */
  private static void putIfPresent(SafetensorsFile io, String name, Map<String, Tensor> branch) {
    Tensor text = branch.get("encoder_hidden_states");
    branch.put(
        "encoder_hidden_states_mask",
        io.names().contains(name)
            ? io.tensor(name)
            : org.bytedeco.pytorch.global.torch.ones(new long[] {text.size(0), text.size(1)}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Long)));
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
