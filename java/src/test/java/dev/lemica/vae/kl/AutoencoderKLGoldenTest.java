package dev.lemica.vae.kl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.torch.TorchRuntime;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.GoldenActivations;
import dev.lemica.vae.LatentPacking;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoPostprocess;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fp32 CPU: diffusers' AutoencoderKL in the FLUX.1 configuration (golden/flux_vae: packed latents,
 * scaling + shift, no quant convs) and the SD configuration as LattePipeline decodes it
 * (golden/sd_vae: frames in chunks of decode_chunk_size, quant convs), outputs and every activation
 * within 1e-5 relative L2.
 */
class AutoencoderKLGoldenTest {
  static final double TOLERANCE = 1e-5;

  /** One LibTorch thread, as the CLI runs: on the shared 2-core machine a second one only contends. */
  @BeforeAll
  static void oneThread() {
    TorchRuntime.configure(null);
  }

  private static AutoencoderKL load(String golden) {
    return (AutoencoderKL) Vaes.load(Golden.dir(golden), ComputeTarget.CPU_FLOAT32);
  }

  private static double assertClose(Tensor ours, Tensor reference, String name, double tolerance) {
    assertEquals(Tensors.shapeString(reference), Tensors.shapeString(ours), name);
    double err = Tensors.relativeL2(ours, reference);
    assertTrue(err < tolerance, name + " relative L2 " + err);
    System.out.println(name + " relative L2: " + err);
    return err;
  }

  @Test
  void decodesFluxPackedLatentsAsFluxPipelineDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("flux_vae").resolve("io.safetensors"));
        AutoencoderKL vae = load("flux_vae")) {
      assertEquals(8, vae.spatialFactor());
      long height = io.tensor("in.height").item_long();
      long width = io.tensor("in.width").item_long();
      Tensor latents = LatentPacking.unpack(io.tensor("in.packed_latents"), height, width, vae.spatialFactor());
      assertEquals(0.0, Tensors.relativeL2(latents, io.tensor("in.latents")), "unpack is exact");
      assertEquals(0.0, Tensors.relativeL2(LatentPacking.pack(latents), io.tensor("in.packed_latents")), "pack is exact");

      Tensor raw = vae.denormalize(latents.unsqueeze(2));
      assertClose(raw.select(2, 0), io.tensor("act.vae_decode_input"), "act.vae_decode_input", 1e-7);

      GoldenActivations acts = new GoldenActivations(io);
      Tensor sample = vae.decode(raw, 1, acts).select(2, 0);
      System.out.println("decoder activations, largest relative L2: " + acts.assertAllClose(TOLERANCE, "act.decoder.", "act.post_quant_conv"));
      assertEquals(8, acts.errors().size(), "conv_in, mid attention, mid block, 4 up blocks, conv_norm_out");
      assertClose(sample, io.tensor("out.sample"), "out.sample", TOLERANCE);
      assertClose(VideoPostprocess.toImages(sample), io.tensor("out.image"), "out.image", TOLERANCE);
      assertEquals(0.0, Tensors.relativeL2(vae.decodeNormalizedImage(latents), sample), "decodeNormalizedImage is unpacked latents to images");
    }
  }

  @Test
  void encodesFluxImages() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("flux_vae").resolve("io.safetensors"));
        AutoencoderKL vae = load("flux_vae")) {
      GoldenActivations acts = new GoldenActivations(io);
      DiagonalGaussian posterior = vae.encode(io.tensor("in.image").unsqueeze(2), 1, acts);
      System.out.println("encoder activations, largest relative L2: " + acts.assertAllClose(TOLERANCE, "act.encoder.", "act.quant_conv"));
      assertClose(posterior.mean().select(2, 0), io.tensor("out.latent_mean"), "out.latent_mean", TOLERANCE);
      assertClose(posterior.logvar().select(2, 0), io.tensor("out.latent_logvar"), "out.latent_logvar", TOLERANCE);
      DiagonalGaussian image = vae.encodeImage(io.tensor("in.image"));
      assertEquals(0.0, Tensors.relativeL2(image.mean(), posterior.mean().select(2, 0)));
      assertEquals(0.0, Tensors.relativeL2(image.logvar(), posterior.logvar().select(2, 0)));
    }
  }

  @Test
  void decodesLatteVideoLatentsInChunksAsLattePipelineDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("sd_vae").resolve("io.safetensors"));
        AutoencoderKL vae = load("sd_vae")) {
      Tensor latents = io.tensor("in.latents");
      int chunk = (int) io.tensor("in.decode_chunk_size").item_long();
      assertEquals(2, chunk, "3 frames in calls of 2 and 1");
      Tensor raw = vae.denormalize(latents);
      Tensor flat = raw.permute(0, 2, 1, 3, 4).reshape(3, 4, 4, 4);
      assertClose(flat, io.tensor("act.vae_decode_input"), "act.vae_decode_input", 1e-7);

      GoldenActivations acts = new GoldenActivations(io);
      Tensor video = vae.decode(raw, chunk, acts);
      System.out.println("decoder activations, largest relative L2: " + acts.assertAllClose(TOLERANCE, "act.decoder.", "act.post_quant_conv"));
      assertEquals(9, acts.errors().size(), "post_quant_conv and the 8 decoder modules");
      assertClose(video, io.tensor("out.video"), "out.video", TOLERANCE);
      assertClose(VideoPostprocess.toFrames(video), io.tensor("out.frames"), "out.frames", TOLERANCE);
      assertEquals(0.0, Tensors.relativeL2(vae.decodeNormalized(latents), vae.decode(raw)), "decodeNormalized is denormalize then decode");
    }
  }

  @Test
  void encodesSdImages() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("sd_vae").resolve("io.safetensors"));
        AutoencoderKL vae = load("sd_vae")) {
      GoldenActivations acts = new GoldenActivations(io);
      DiagonalGaussian posterior = vae.encode(io.tensor("in.image").unsqueeze(2), 1, acts);
      System.out.println("encoder activations, largest relative L2: " + acts.assertAllClose(TOLERANCE, "act.encoder.", "act.quant_conv"));
      assertClose(posterior.mean().select(2, 0), io.tensor("out.latent_mean"), "out.latent_mean", TOLERANCE);
      assertClose(posterior.logvar().select(2, 0), io.tensor("out.latent_logvar"), "out.latent_logvar", TOLERANCE);
    }
  }

  /** bf16 compute: float32 outputs within bf16 precision of the fp32 reference. */
  @Test
  void runsInBfloat16() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("flux_vae").resolve("io.safetensors"));
        AutoencoderKL vae = (AutoencoderKL) Vaes.load(Golden.dir("flux_vae"), new ComputeTarget("cpu", ScalarType.BFloat16))) {
      Tensor sample = vae.decodeNormalizedImage(io.tensor("in.latents"));
      assertEquals(ScalarType.Float.value, sample.scalar_type().value);
      Tensor mean = vae.encodeImage(io.tensor("in.image")).mean();
      double err = Tensors.relativeL2(sample, io.tensor("out.sample"));
      double meanErr = Tensors.relativeL2(mean, io.tensor("out.latent_mean"));
      System.out.println("bf16: out.sample relative L2 " + err + ", out.latent_mean " + meanErr);
      assertTrue(err < 3e-2 && meanErr < 3e-2, "bf16 out.sample " + err + ", out.latent_mean " + meanErr);
    }
  }
}
