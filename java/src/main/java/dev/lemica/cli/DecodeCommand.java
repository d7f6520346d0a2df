package dev.lemica.cli;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.LatentPacking;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.VideoPostprocess;
import dev.lemica.vae.cogvideox.AutoencoderKLCogVideoX;
import dev.lemica.vae.kl.AutoencoderKL;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a pipeline's VAE on tensors from a file, to check a VAE port against Python.",
      "Decoding reads the latents as the pipeline's denoiser holds them, de-normalises them as the pipeline"
          + " does (Wan, Qwen-Image: latents_mean/latents_std; FLUX: / scaling_factor + shift_factor; SD, Latte,"
          + " CogVideoX: / scaling_factor) and decodes them to out.sample, float32:",
      "  in.packed_latents (B, N, 4C) with in.height, in.width (int64 pixel sizes): FLUX / Qwen-Image"
          + " transformer tokens, unpacked 2x2 as those pipelines do -> images (B, 3, H, W). Used when present.",
      "  otherwise in.latents: (B, C, h, w) -> images (B, 3, H, W); (B, C, F, h, w) -> video (B, 3, F', H, W),"
          + " for CogVideoX (B, F, C, h, w) as its transformer holds them; Open-Sora 1.2 (z · scale + shift) needs"
          + " --num-frames. Wan and Qwen-Image clamp to [-1, 1] as diffusers does; the others do not.",
      "--frames adds the pipeline's postprocessed output in [0, 1], channels last: out.frames (B, F, H, W, 3)"
          + " for a video, out.image (B, H, W, 3) for images.",
      "--encode instead reads in.video (B, 3, F, H, W) or in.image (B, 3, H, W) in [-1, 1] and writes the"
          + " posterior: out.latent_mean and out.latent_logvar (raw VAE latents, not normalised).",
      "Supported: AutoencoderKLWan (Wan2.1), AutoencoderKLQwenImage (Qwen-Image), AutoencoderKL (FLUX.1, SD, Latte),"
          + " AutoencoderKLCogVideoX (CogVideoX 1.0 and 1.5), Open-Sora 1.2's VideoAutoencoderPipeline (its config.json and"
          + " model.safetensors)."
    })
final class DecodeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "The VAE folder (config.json + weights) or a pipeline folder holding vae/.")
  Path model;

  @Option(names = "--inputs", required = true, description = "safetensors file holding the latents (or in.video / in.image with --encode).")
  Path inputs;

  @Option(names = "--out", required = true, description = "safetensors file to write the outputs to.")
  Path out;

  @Option(names = "--encode", description = "Encode in.video or in.image instead of decoding latents.")
  boolean encode;

  @Option(names = "--frames", description = "When decoding, also write out.frames (videos) or out.image (images).")
  boolean frames;

  @Option(
      names = "--decode-chunk-size",
      paramLabel = "N",
      description = "AutoencoderKL only: frames per VAE call, as LattePipeline's decode_chunk_size (the numbers do not"
          + " change, memory does). Default: in.decode_chunk_size if the inputs hold it, else 1.")
  Integer decodeChunkSize;

  @Option(
      names = "--num-frames",
      paramLabel = "N",
      description =
          "When decoding a video, the number of frames to decode to, as the pipeline was asked for: needed by VAEs"
              + " whose latents leave it open (Open-Sora: 7 latent frames are 22 to 25 frames); for the others it must"
              + " be the one count the latents decode to.")
  Long numFrames;

  @Option(
      names = "--vae-tiling",
      negatable = true,
      description = "AutoencoderKLCogVideoX only: decode as CogVideoXPipeline does by default, with enable_tiling() and"
          + " enable_slicing() (tiles of half the config's sample size; latents that fit one tile decode whole). Default on;"
          + " diffusers' own default is off: --no-vae-tiling. Encoding is never tiled.")
  Boolean vaeTiling;

  @Mixin ComputeOptions compute;

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    if (decodeChunkSize != null && decodeChunkSize < 1) {
      throw new IllegalArgumentException("--decode-chunk-size must be at least 1, got " + decodeChunkSize);
    }
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs);
        VideoAutoencoder vae = Vaes.load(model, target)) {
      if (decodeChunkSize != null && !(vae instanceof AutoencoderKL)) {
        throw new IllegalArgumentException(
            "--decode-chunk-size applies to AutoencoderKL; " + vae.className() + " decodes one latent frame at a time with its causal cache");
      }
      if (vaeTiling != null && !(vae instanceof AutoencoderKLCogVideoX)) {
        throw new IllegalArgumentException(
            "--" + (vaeTiling ? "" : "no-") + "vae-tiling applies to AutoencoderKLCogVideoX, not " + vae.className());
      }
      if (vae instanceof AutoencoderKLCogVideoX cog && !encode && (vaeTiling == null || vaeTiling)) {
        try {
          cog.enableTiling();
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(e.getMessage() + "; --no-vae-tiling decodes untiled", e);
        }
        cog.enableSlicing();
      }
      String input = inputName(io);
      SafetensorsWriter writer = new SafetensorsWriter().metadata("model", vae.className());
      long start = System.nanoTime();
      String written;
      try {
        written = encode ? encode(vae, io, input, writer) : decode(vae, io, input, writer);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(inputs + ": " + input + ": " + e.getMessage(), e);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      writer.write(out);
      System.out.printf("%s on %s: %s -> %s in %.2f s -> %s%n", vae.className(), target, input, written, seconds, out);
    }
    return 0;
  }

  /** The tensor this run reads: the first the file holds of the candidates, in order. */
  private String inputName(SafetensorsFile io) {
    String[] candidates = encode ? new String[] {"in.video", "in.image"} : new String[] {"in.packed_latents", "in.latents"};
    for (String name : candidates) {
      if (io.has(name)) {
        return name;
      }
    }
    throw new IllegalArgumentException(inputs + ": holds no tensor '" + String.join("' or '", candidates) + "' (has " + io.names() + ")");
  }

  private String decode(VideoAutoencoder vae, SafetensorsFile io, String input, SafetensorsWriter writer) {
    Tensor x = io.tensor(input);
    if (input.equals("in.packed_latents")) {
      x = LatentPacking.unpack(x, pixels(io, "in.height"), pixels(io, "in.width"), vae.spatialFactor());
    }
    Tensor sample;
    if (x.dim() == 4) {
      sample = vae.decodeNormalizedImage(x);
    } else {
      Tensor latents = vae.pipelineLayout().toVae(x, vae);
      long t = latents.size(2);
      if (numFrames == null && vae.fewestVideoFrames(t) != vae.videoFrames(t)) {
        throw new IllegalArgumentException(
            vae.className() + " decodes " + t + " latent frames to " + vae.fewestVideoFrames(t) + " to " + vae.videoFrames(t)
                + " frames: give --num-frames");
      }
      if (numFrames != null) {
        vae.checkFrameCount(t, numFrames);
      }
      if (vae instanceof AutoencoderKL kl) {
        sample = kl.decode(kl.denormalize(latents), framesPerCall(io));
      } else {
        sample = numFrames == null ? vae.decodeNormalized(latents) : vae.decodeNormalized(latents, numFrames);
      }
    }
    writer.put("out.sample", sample);
    if (frames) {
      writer.put(sample.dim() == 4 ? "out.image" : "out.frames", sample.dim() == 4 ? VideoPostprocess.toImages(sample) : VideoPostprocess.toFrames(sample));
    }
    return "out.sample " + Tensors.shapeString(sample);
  }

  private String encode(VideoAutoencoder vae, SafetensorsFile io, String input, SafetensorsWriter writer) {
    Tensor x = io.tensor(input);
    DiagonalGaussian posterior = x.dim() == 4 ? vae.encodeImage(x) : vae.encode(x);
    writer.put("out.latent_mean", posterior.mean()).put("out.latent_logvar", posterior.logvar());
    return "out.latent_mean " + Tensors.shapeString(posterior.mean());
  }

  /** The pixel size the pipeline was called with, from an int64 tensor of one element. */
  private long pixels(SafetensorsFile io, String name) {
    if (!io.has(name)) {
      throw new IllegalArgumentException("unpacking needs the image size: the file holds no '" + name + "'");
    }
    Tensor t = io.tensor(name);
    if (t.numel() != 1 || t.is_floating_point()) {
      throw new IllegalArgumentException(name + " " + Tensors.shapeString(t) + " must be one integer (the pixel size)");
    }
    return t.item_long();
  }

  private int framesPerCall(SafetensorsFile io) {
    if (decodeChunkSize != null) {
      return decodeChunkSize;
    }
    if (!io.has("in.decode_chunk_size")) {
      return AutoencoderKL.DEFAULT_FRAMES_PER_CALL;
    }
    Tensor t = io.tensor("in.decode_chunk_size");
    if (t.numel() != 1 || t.is_floating_point() || t.item_long() < 1 || t.item_long() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("in.decode_chunk_size " + Tensors.shapeString(t) + " must be one positive integer");
    }
    return (int) t.item_long();
  }
}
