package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.distributed.ParallelPlan;
import dev.lemica.io.OutputFile;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.SamplingResult;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.Parallelism;
import dev.lemica.text.PrecomputedEmbeddings;
import dev.lemica.text.PromptEmbeddings;
import dev.lemica.video.PngWriter;
import dev.lemica.video.VideoFrames;
import dev.lemica.video.VideoOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Generates videos or images from prompts with cached sampling and writes them as MP4, WebM, GIF or PNG (by --out's extension).",
      "--model takes a diffusers pipeline folder (model_index.json; supported: WanPipeline, CogVideoXPipeline (CogVideoX"
          + " 1.5), LattePipeline, FluxPipeline, QwenImagePipeline) or a LeMiCa model folder. Unset sizes, steps and guidance"
          + " come from the folder (scheduler/scheduler_config.json, vae/config.json, transformer/config.json) and otherwise"
          + " from the diffusers pipeline's own defaults (WanPipeline: 832x480, 81 frames, 50 steps, guidance 5.0, max"
          + " sequence length 512, empty negative prompt; CogVideoXPipeline: the transformer's sample size and"
          + " sample_frames, 50 steps, guidance 6.0 with dynamic CFG (the scale of each step follows its timestep, as"
          + " CogVideoX 1.5 is sampled), max sequence length 226; LattePipeline: 512x512, the transformer's video_length"
          + " frames, 50 steps, guidance 7.5, 120 tokens; FluxPipeline: 1024x1024, 28 steps, distilled guidance 3.5, 512"
          + " T5 tokens, no CFG; QwenImagePipeline: 1024x1024, 50 steps, true CFG 4.0 with norm rescale when"
          + " --negative-prompt is given, 512 tokens). FLUX.1 and Qwen-Image shift their schedule by the image size (mu"
          + " from the token count).",
      "An Open-Sora 1.2 folder (no model_index.json; recognised by its inference.json, Open-Sora's inference"
          + " config as scripts/inference.py reads it, or by a transformer/ of architecture STDiT3) holds transformer/"
          + " (OpenSora-STDiT-v3), vae/ (OpenSora-VAE-v1.2) and the T5 repository as text_encoder/ + tokenizer/."
          + " Its unset sizes, steps and guidance come from inference.json (image_size, or resolution + aspect_ratio;"
          + " num_frames; scheduler.num_sampling_steps and cfg_scale; fps, save_fps, aes) and, for keys it leaves out,"
          + " from Open-Sora's configs/opensora-v1-2/inference/sample.py (240p 9:16 = 240x426, 51 frames, 30 RFLOW"
          + " steps, cfg 7.0, fps 24, aesthetic score 6.5). Open-Sora takes no --negative-prompt and no --shift.",
      "Without --model it uses the embedded shapes-wan-t2v model (prompts like \"red circle moving right\";"
          + " colors red green blue yellow cyan magenta white orange; shapes circle square diamond;"
          + " moving left|right|up|down or staying still; 8 frames of 32x32).",
      "Several prompts run as one batch and the output shows them as a grid."
    })
final class GenerateCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;

  @Option(names = "--prompt", description = "A prompt; repeat for a batch.")
  List<String> prompts = new ArrayList<>();

  @Mixin VideoOptions video;

  @Option(names = "--embeddings", paramLabel = "FILE", description = "Precomputed text embeddings instead of prompts: safetensors with prompt_embeds and negative_prompt_embeds (B, tokens, dim).")
  Path embeddings;

  @Mixin NoiseOptions noise;

  @Mixin CacheOptions cache;

  @Option(names = "--out", required = true, paramLabel = "PATH", description = {
      "Output file, format by extension: .mp4 (H.264, libopenh264), .webm (VP9, libvpx-vp9), .gif (animated GIF),"
          + " .png (one image for 1-frame videos, else a frame strip). A grid when there are several prompts."
          + " Checked before the model loads."})
  Path out;

  @Option(names = "--tensor-out", paramLabel = "PATH.safetensors", description = "Also write the raw final videos as tensor 'video' (B, 3, F, H, W) float32 in [-1, 1] (F = 1 for images) and the final latents as 'latents' (packed for FLUX.1 and Qwen-Image).")
  Path tensorOut;

  @Option(names = "--frames-png", paramLabel = "PATH.png", description = "Also write every frame as one PNG: a row per prompt, a column per frame.")
  Path framesPng;

  @Option(names = "--scale", description = "Pixel enlargement in the output. Default: 4 for videos under 128 pixels (the embedded model), else 1.")
  Integer scale;

  @Option(names = "--fps", paramLabel = "N", description = "Frames per second of --out. Default: the pipeline's (Wan and CogVideoX 16, Latte and the embedded model 8, Open-Sora its save_fps).")
  Integer fps;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Mixin ComputeOptions compute;

  @Mixin ParallelOptions parallel;

  @Override
  public Integer call() {
    if (prompts.isEmpty() == (embeddings == null)) {
      throw new IllegalArgumentException("give --prompt (one or more) or --embeddings, not both and not neither");
    }
    if ((scale != null && scale < 1) || (fps != null && fps < 1)) {
      throw new IllegalArgumentException("--scale and --fps must be positive");
    }
    VideoOutput output = VideoOutput.forPath(out);
    if (tensorOut != null) {
      OutputFile.check(tensorOut, ".safetensors");
    }
    if (framesPng != null) {
      OutputFile.check(framesPng, ".png");
    }
    ComputeTarget target = compute.target();
    GuidedDenoiser.Branches branches = modelOptions.branches(target);
    ParallelPlan.Mode mode = parallel.mode();
    Path modelDir = modelOptions.folder();
    Ranks ranks = Ranks.join(target);
    boolean report = !quiet && ranks.leads();
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionPipeline pipeline = modelOptions.open(target)) {
      PromptEmbeddings precomputed = embeddings != null ? PrecomputedEmbeddings.read(embeddings) : null;
      List<String> texts =
          precomputed != null ? IntStream.range(0, (int) precomputed.batch()).mapToObj(i -> "(embeddings row " + i + ")").toList() : prompts;
      GenerationSettings settings =
          pipeline.resolve(video.request(texts, modelOptions));
      CachePolicy policy = cache.policy(settings.steps(), modelDir, pipeline.samplerName(settings));
      Tensor initial = noise.noise(pipeline.noiseShape(settings));
      boolean guided = pipeline.guidance(settings).guided();
      if (ranks.leads()) {
        System.err.printf(
            "%s: %d prompt(s), %dx%d, %d frame(s), %d steps, guidance %.2f, %s, %s%s, cache: %s%n",
            modelOptions.model != null ? modelDir : "shapes-wan-t2v (embedded)", settings.batch(), settings.width(),
            settings.height(), settings.frames(), settings.steps(), settings.guidance(), noise.describe(), pipeline.target(),
            ranks.size() > 1 ? " (" + ranks.describe(mode, guided) + ")" : "", policy.describe());
      }
      Parallelism split = ranks.parallelism(mode, guided);
      Conditioning text = precomputed != null ? pipeline.conditioning(precomputed) : pipeline.encode(settings);
      SamplingResult sampled;
      try (StepProgress progress = new StepProgress("sampling", settings.steps(), !report)) {
        sampled = pipeline.sample(text, initial, settings, policy, branches, split, progress, noise.stepNoise());
      }
      // Every rank holds the same latents now; rank 0 alone decodes and writes, once all got here.
      ranks.agree();
      if (!ranks.leads()) {
        return 0;
      }
      if (report) {
        System.err.println("decoding...");
      }
      Tensor videos = pipeline.decode(sampled.latents(), settings);
      int pixelScale = scale != null ? scale : Math.max(settings.height(), settings.width()) < 128 ? 4 : 1;
      output.write(videos, fps != null ? fps : pipeline.fps(), pixelScale, pipeline.frameRounding());
      if (framesPng != null) {
        PngWriter.write(VideoFrames.strip(videos, pixelScale), framesPng);
      }
      if (tensorOut != null) {
        new SafetensorsWriter().put("video", videos).put("latents", sampled.latents()).write(tensorOut);
      }
      System.out.printf(
          "wrote %s as %s%s | %.2f s sampling | block stack ran at %d of %d steps: %d evaluations, %d reused (per CFG branch)%n",
          out, output.format(), tensorOut != null ? " and " + tensorOut : "", sampled.seconds(), sampled.computedSteps(), settings.steps(),
          sampled.blockStackEvaluations(), sampled.reusedEvaluations());
    }
    return 0;
  }

}
