package dev.lemica.cli;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.pipeline.Residency;
import dev.lemica.pipeline.SamplerSettings;
import dev.lemica.pipeline.cogvideox.CogVideoXPipeline;
import dev.lemica.sampling.GuidedDenoiser;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model folder and its sampling settings, shared by the commands that sample from prompts. */
final class ModelOptions {
  @Option(names = "--model", paramLabel = "DIR", description = "A diffusers pipeline folder (model_index.json with transformer/, text_encoder/, tokenizer/, vae/, scheduler/; generate supports WanPipeline, CogVideoXPipeline, LattePipeline, FluxPipeline, QwenImagePipeline), an Open-Sora 1.2 folder (inference.json, transformer/, vae/, text_encoder/, tokenizer/) or a LeMiCa model folder (transformer/, text_encoder/, scheduler.json). Default: the embedded shapes-wan-t2v.")
  Path model;

  @Option(names = "--steps", description = "Sampling steps T. Default: the pipeline's (WanPipeline, CogVideoXPipeline, LattePipeline 50; Open-Sora inference.json's scheduler.num_sampling_steps, else 30; the embedded model's scheduler.json, 50).")
  Integer steps;

  @Option(names = "--guidance", description = "Classifier-free guidance scale; 1 disables the unconditional branch (WanPipeline: at most 1). CogVideoXPipeline: the base of its dynamic scale. FluxPipeline: the distilled guidance input of FLUX.1-dev (one branch). QwenImagePipeline: true_cfg_scale, norm-rescaled CFG, only with --negative-prompt. Default: the pipeline's (WanPipeline 5.0, CogVideoXPipeline 6.0, LattePipeline 7.5, FluxPipeline 3.5, QwenImagePipeline 4.0; Open-Sora inference.json's scheduler.cfg_scale, else 7.0; the embedded model 4.0).")
  Double guidance;

  @Option(names = "--shift", description = "Flow-matching sigma shift. Default: the scheduler config's (flow_shift of a diffusers folder's scheduler/scheduler_config.json; 3.0 for the embedded model; Open-Sora's RFLOW has none). Refused where the scheduler shifts by the image size (FLUX.1, Qwen-Image: use_dynamic_shifting).")
  Double shift;

  @Option(
      names = "--cfg",
      defaultValue = "auto",
      description = "How the CFG branches run: batched (one forward of batch 2B), separate (two forwards),"
          + " parallel (two forwards on two threads with one-thread BLAS each) or auto (parallel on a"
          + " multi-core CPU, batched on CUDA; under `lemica launch` each rank counts its own share of the"
          + " cores). With the branches split across ranks (--parallel cfg) each rank runs one and this does"
          + " not apply. Default: ${DEFAULT-VALUE}.")
  String cfg;

  @Option(
      names = "--dynamic-cfg",
      negatable = true,
      description = "CogVideoXPipeline only: let the guidance scale follow the timestep (use_dynamic_cfg). Default on, as THUDM's"
          + " CLI samples CogVideoX 1.5; diffusers' own default is off: --no-dynamic-cfg.")
  Boolean dynamicCfg;

  @Option(
      names = "--vae-tiling",
      negatable = true,
      description = "CogVideoXPipeline only: decode with AutoencoderKLCogVideoX's enable_tiling() and enable_slicing() (diffusers'"
          + " tiles of half the VAE's sample size, 240x360 with overlap factors 1/6 and 1/5; a latent that fits one tile is"
          + " decoded whole, a batch one video at a time). Default on, as THUDM's CLI decodes CogVideoX 1.5 (1360x768 untiled"
          + " needs over 20 GiB per latent frame in float32); diffusers' own default is off: --no-vae-tiling.")
  Boolean vaeTiling;

  @Option(
      names = "--text-dtype",
      description = "The text encoders' dtype when it should differ from --dtype, e.g. --dtype float32 --text-dtype bfloat16"
          + " on a CPU without bf16 arithmetic: bf16 halves UMT5-XXL/T5-XXL (22.8/19 GB in float32) and such CPUs run its"
          + " matrix products well, while bf16 attention and convolutions are many times slower there than float32."
          + " Default: --dtype's (Open-Sora 1.2: float32, as its T5Encoder).")
  String textDtype;

  /** The pipeline of {@link #folder()}, with the options that choose how a family's pipeline runs. */
  DiffusionPipeline open(ComputeTarget compute) {
    ComputeTarget target = textDtype == null ? compute : compute.withTextDtype(textDtype);
    Path folder = folder();
    if (dynamicCfg == null && vaeTiling == null) {
      return Pipelines.open(folder, target);
    }
    ModelIndex index = ModelIndex.present(folder) ? ModelIndex.read(folder) : null;
    if (index == null || !index.className().equals(CogVideoXPipeline.CLASS_NAME)) {
      String flag = dynamicCfg != null ? flag("dynamic-cfg", dynamicCfg) : flag("vae-tiling", vaeTiling);
      String what = dynamicCfg != null ? "dynamic CFG" : "VAE tiling";
      throw new IllegalArgumentException(flag + ": only a CogVideoXPipeline folder has " + what + ", not " + label());
    }
    return CogVideoXPipeline.open(
        index, target, Residency.RELEASE_AFTER_USE, dynamicCfg == null || dynamicCfg, vaeTiling == null || vaeTiling);
  }

  private static String flag(String name, boolean on) {
    return "--" + (on ? "" : "no-") + name;
  }

  Path folder() {
    return model != null ? model : EmbeddedModels.shapesWanT2v();
  }

  /** How the model is named in reports: its folder, or the embedded model's name. */
  String label() {
    return model != null ? model.toString() : EmbeddedModels.SHAPES_WAN_T2V;
  }

  SamplerSettings settings(SamplerSettings defaults) {
    return defaults.withOverrides(steps, shift, guidance);
  }

  GuidedDenoiser.Branches branches(ComputeTarget target) {
    return Cli.branches(cfg, target);
  }
}
