package dev.lemica.cli;

import dev.lemica.cache.CachePolicy;
import dev.lemica.io.OutputFile;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.pipeline.SamplingResult;
import dev.lemica.pipeline.TextToVideoPipeline;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.GuidedDenoiser;
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
      "Generates videos from prompts with cached sampling and writes them as MP4, WebM, GIF or PNG (by --out's extension).",
      "--model takes a diffusers pipeline folder (model_index.json; supported: WanPipeline, CogVideoXPipeline"
          + " (CogVideoX 1.5), LattePipeline) or a LeMiCa model"
          + " folder. Unset sizes, steps and guidance come from the folder (scheduler/scheduler_config.json,"
          + " vae/config.json) and otherwise from the diffusers pipeline's own defaults (WanPipeline: 832x480,"
          + " 81 frames, 50 steps, guidance 5.0, max sequence length 512; CogVideoXPipeline: the transformer's"
          + " sample size and sample_frames, 50 steps, guidance 6.0 with dynamic CFG (the scale of each step"
          + " follows its timestep, as CogVideoX 1.5 is sampled), max sequence length 226; LattePipeline: 512x512,"
          + " the transformer's video_length frames, 50 steps, guidance 7.5, 120 tokens; an empty negative prompt).",
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

  @Option(names = "--tensor-out", paramLabel = "PATH.safetensors", description = "Also write the raw final videos as tensor 'video' (B, 3, F, H, W) float32 in [-1, 1] and the final latents as 'latents'.")
  Path tensorOut;

  @Option(names = "--frames-png", paramLabel = "PATH.png", description = "Also write every frame as one PNG: a row per prompt, a column per frame.")
  Path framesPng;

  @Option(names = "--scale", description = "Pixel enlargement in the output. Default: 4 for videos under 128 pixels (the embedded model), else 1.")
  Integer scale;

  @Option(names = "--fps", paramLabel = "N", description = "Frames per second of --out. Default: the pipeline's (Wan and CogVideoX 16, Latte and the embedded model 8).")
  Integer fps;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Mixin ComputeOptions compute;

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
    Path modelDir = modelOptions.folder();
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionPipeline pipeline = Pipelines.open(modelDir, target)) {
      PromptEmbeddings precomputed = embeddings != null ? PrecomputedEmbeddings.read(embeddings) : null;
      List<String> texts =
          precomputed != null ? IntStream.range(0, (int) precomputed.batch()).mapToObj(i -> "(embeddings row " + i + ")").toList() : prompts;
      GenerationSettings settings =
          pipeline.resolve(video.request(texts, modelOptions));
      CachePolicy policy = cache.policy(settings.steps(), modelDir, pipeline.samplerName(settings));
      Tensor initial = noise.noise(pipeline.noiseShape(settings));
      System.err.printf(
          "%s: %d prompt(s), %dx%d, %d frame(s), %d steps, guidance %.2f, %s, %s, cache: %s%n",
          modelOptions.model != null ? modelDir : "shapes-wan-t2v (embedded)", settings.batch(), settings.width(),
          settings.height(), settings.frames(), settings.steps(), settings.guidance(), noise.describe(), target, policy.describe());
      Conditioning text = precomputed != null ? pipeline.conditioning(precomputed) : pipeline.encode(settings);
      SamplingResult sampled;
      try (StepProgress progress = new StepProgress("sampling", settings.steps(), quiet)) {
        sampled = pipeline.sample(text, initial, settings, policy, branches, progress, noise.stepNoise());
      }
      if (!quiet) {
        System.err.println("decoding...");
      }
      Tensor videos = pipeline.decode(sampled.latents(), settings);
      int pixelScale = scale != null ? scale : Math.max(settings.height(), settings.width()) < 128 ? 4 : 1;
      output.write(videos, fps != null ? fps : pipeline.fps(), pixelScale);
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
