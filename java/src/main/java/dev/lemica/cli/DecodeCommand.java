package dev.lemica.cli;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.VideoPostprocess;
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
      "Decoding reads in.latents as the pipeline's denoiser holds them (Wan: (B, C, T, h, w) normalised"
          + " with the VAE config's latents_mean/latents_std; CogVideoX: (B, T, C, h, w), times"
          + " scaling_factor), de-normalises them as the pipeline does and decodes: out.sample"
          + " (B, 3, F, H, W), float32, as the pipeline's VAE returns it (Wan clamps to [-1, 1], CogVideoX"
          + " does not). --frames adds out.frames, the pipeline's (B, F, H, W, 3) frames in [0, 1].",
      "--encode instead reads in.video (B, 3, F, H, W) in [-1, 1] and writes the posterior:"
          + " out.latent_mean and out.latent_logvar (raw VAE latents, not normalised).",
      "Supported: AutoencoderKLWan (Wan2.1), AutoencoderKLCogVideoX (CogVideoX 1.0 and 1.5)."
    })
final class DecodeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "The VAE folder (config.json + weights) or a pipeline folder holding vae/.")
  Path model;

  @Option(names = "--inputs", required = true, description = "safetensors file holding in.latents (or in.video with --encode).")
  Path inputs;

  @Option(names = "--out", required = true, description = "safetensors file to write the outputs to.")
  Path out;

  @Option(names = "--encode", description = "Encode in.video instead of decoding in.latents.")
  boolean encode;

  @Option(names = "--frames", description = "When decoding, also write out.frames.")
  boolean frames;

  @Option(
      names = "--num-frames",
      paramLabel = "N",
      description =
          "When decoding, the number of video frames to decode to, as the pipeline was asked for: needed by"
              + " VAEs whose latents leave it open; for the others it must be the one count the latents decode to.")
  Long numFrames;

  @Mixin ComputeOptions compute;

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs);
        VideoAutoencoder vae = Vaes.load(model, target)) {
      String input = encode ? "in.video" : "in.latents";
      if (!io.has(input)) {
        throw new IllegalArgumentException(inputs + ": holds no tensor '" + input + "' (has " + io.names() + ")");
      }
      Tensor x = io.tensor(input);
      SafetensorsWriter writer = new SafetensorsWriter().metadata("model", vae.className());
      long start = System.nanoTime();
      String written;
      try {
        if (encode) {
          DiagonalGaussian posterior = vae.encode(x);
          writer.put("out.latent_mean", posterior.mean()).put("out.latent_logvar", posterior.logvar());
          written = "out.latent_mean " + Tensors.shapeString(posterior.mean());
        } else {
          Tensor latents = vae.pipelineLayout().toVae(x, vae);
          long t = latents.size(2);
          if (numFrames == null && vae.fewestVideoFrames(t) != vae.videoFrames(t)) {
            throw new IllegalArgumentException(
                vae.className() + " decodes " + t + " latent frames to " + vae.fewestVideoFrames(t) + " to "
                    + vae.videoFrames(t) + " frames: give --num-frames");
          }
          Tensor sample = numFrames == null ? vae.decodeNormalized(latents) : vae.decodeNormalized(latents, numFrames);
          writer.put("out.sample", sample);
          if (frames) {
            writer.put("out.frames", VideoPostprocess.toFrames(sample));
          }
          written = "out.sample " + Tensors.shapeString(sample);
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(inputs + ": " + input + ": " + e.getMessage(), e);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      writer.write(out);
      System.out.printf("%s on %s: %s in %.2f s -> %s%n", vae.className(), target, written, seconds, out);
    }
    return 0;
  }
}
