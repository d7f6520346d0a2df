package dev.lemica.vae.wan;

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
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.VideoPostprocess;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fp32 CPU: diffusers' AutoencoderKLQwenImage (golden/qwenimage_vae), loaded through the Wan VAE
 * code: QwenImagePipeline's unpack, de-normalisation, one-frame decode and frame 0, the encoder, and
 * every activation the golden holds (including the mid blocks' attention), within 1e-5 relative L2.
 */
class AutoencoderKLQwenImageGoldenTest {
  static final double TOLERANCE = 1e-5;

  static SafetensorsFile io;
  static AutoencoderKLWan vae;

  @BeforeAll
  static void load() {
    TorchRuntime.configure(null);
    Path dir = Golden.dir("qwenimage_vae");
    io = SafetensorsFile.open(dir.resolve("io.safetensors"));
    VideoAutoencoder loaded = Vaes.load(dir, ComputeTarget.CPU_FLOAT32);
    vae = (AutoencoderKLWan) loaded;
  }

  @AfterAll
  static void close() {
    vae.close();
    io.close();
  }

  private static void assertClose(Tensor ours, String name) {
    Tensor reference = io.tensor(name);
    assertEquals(Tensors.shapeString(reference), Tensors.shapeString(ours), name);
    double err = Tensors.relativeL2(ours, reference);
    assertTrue(err < TOLERANCE, name + " relative L2 " + err);
    System.out.println(name + " relative L2: " + err);
  }

  @Test
  void isTheWanVaeUnderQwenImagesNames() {
    assertEquals("AutoencoderKLQwenImage", vae.className());
    assertEquals(3, vae.config().inChannels());
    assertEquals(3, vae.config().outChannels());
    assertEquals(4, vae.temporalFactor());
    assertEquals(8, vae.spatialFactor());
  }

  @Test
  void decodesPackedLatentsAsQwenImagePipelineDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor packed = io.tensor("in.packed_latents");
      Tensor latents = LatentPacking.unpack(packed, io.tensor("in.height").item_long(), io.tensor("in.width").item_long(), vae.spatialFactor());
      assertEquals(0.0, Tensors.relativeL2(latents.unsqueeze(2), io.tensor("in.latents")), "unpack is exact");
      assertEquals(0.0, Tensors.relativeL2(LatentPacking.pack(io.tensor("in.latents").select(2, 0)), packed), "pack is exact");

      Tensor raw = vae.denormalize(io.tensor("in.latents"));
      double inputError = Tensors.relativeL2(raw, io.tensor("act.vae_decode_input"));
      assertTrue(inputError < 1e-7, "denormalised latents relative L2 " + inputError);

      GoldenActivations acts = new GoldenActivations(io);
      Tensor video = vae.decode(raw, acts);
      System.out.println("decoder activations, largest relative L2: " + acts.assertAllClose(TOLERANCE, "act.decoder.", "act.post_quant_conv"));
      assertEquals(9, acts.errors().size(), "post_quant_conv, conv_in, mid attention, mid block, 4 up blocks, conv_out");
      assertEquals(1, video.size(2), "one latent frame is one frame");
      Tensor sample = video.select(2, 0);
      assertClose(sample, "out.sample");
      assertClose(VideoPostprocess.toImages(sample), "out.image");
      assertEquals(0.0, Tensors.relativeL2(vae.decodeNormalizedImage(latents), sample), "from (B, z, h, w)");
      assertEquals(0.0, Tensors.relativeL2(vae.decodeNormalizedImage(io.tensor("in.latents")), sample), "from (B, z, 1, h, w)");
    }
  }

  @Test
  void encodesOneFrame() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      GoldenActivations acts = new GoldenActivations(io);
      DiagonalGaussian posterior = vae.encode(io.tensor("in.image"), acts);
      System.out.println("encoder activations, largest relative L2: " + acts.assertAllClose(TOLERANCE, "act.encoder.", "act.quant_conv"));
      assertEquals(9, acts.errors().size(), "conv_in, down blocks 2, 5, 8, 10, mid attention, mid block, conv_out, quant_conv");
      assertClose(posterior.mean(), "out.latent_mean");
      assertClose(posterior.logvar(), "out.latent_logvar");
      assertEquals(0.0, Tensors.relativeL2(vae.encodeImage(io.tensor("in.image").select(2, 0)).mean(), posterior.mean().select(2, 0)));
    }
  }
}
