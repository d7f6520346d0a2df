package dev.lemica.vae.kl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.torch.TorchRuntime;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.LatentPacking;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoPostprocess;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Configs the diffusers goldens do not have, against the float64 NumPy reference
 * (tools/reference/kl_vae_np.py, validated on golden/flux_vae and golden/sd_vae): kl_vae-variant
 * (3 levels, in_channels 4, batch 2 of non-square videos decoded in calls that straddle the videos,
 * pre-0.14 attention names) and kl_vae-noattn (no mid-block attention, post_quant_conv without
 * quant_conv, packed non-square images of a pixel size the pipelines floor).
 */
class AutoencoderKLVariantTest {
  static final double TOLERANCE = 1e-5;

  /** One LibTorch thread, as the CLI runs: on the shared 2-core machine a second one only contends. */
  @BeforeAll
  static void oneThread() {
    TorchRuntime.configure(null);
  }

  private static void assertClose(Tensor ours, Tensor reference, String name) {
    assertEquals(Tensors.shapeString(reference), Tensors.shapeString(ours), name);
    double err = Tensors.relativeL2(ours, reference);
    assertTrue(err < TOLERANCE, name + " relative L2 " + err);
    System.out.println(name + " relative L2: " + err);
  }

  @Test
  void videosInCallsAcrossTheBatchWithLegacyAttentionNames() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("kl_vae-variant").resolve("io.safetensors"));
        AutoencoderKL vae = (AutoencoderKL) Vaes.load(Golden.dir("kl_vae-variant"), ComputeTarget.CPU_FLOAT32)) {
      assertEquals(4, vae.spatialFactor());
      Tensor raw = vae.denormalize(io.tensor("in.latents"));
      assertClose(raw, io.tensor("act.vae_decode_input"), "act.vae_decode_input");
      int chunk = (int) io.tensor("in.decode_chunk_size").item_long();
      Tensor video = vae.decode(raw, chunk);
      assertClose(video, io.tensor("out.sample"), "out.sample (calls of 4 frames)");
      assertClose(vae.decode(raw), io.tensor("out.sample"), "out.sample (one frame per call)");
      assertClose(VideoPostprocess.toFrames(video), io.tensor("out.frames"), "out.frames");
      DiagonalGaussian posterior = vae.encode(io.tensor("in.video"));
      assertClose(posterior.mean(), io.tensor("out.latent_mean"), "out.latent_mean");
      assertClose(posterior.logvar(), io.tensor("out.latent_logvar"), "out.latent_logvar");
      assertClose(vae.encode(io.tensor("in.video"), 3, dev.lemica.vae.VaeObserver.NONE).mean(), io.tensor("out.latent_mean"), "out.latent_mean (calls of 3)");
    }
  }

  @Test
  void packedImagesWithoutMidAttention() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("kl_vae-noattn").resolve("io.safetensors"));
        AutoencoderKL vae = (AutoencoderKL) Vaes.load(Golden.dir("kl_vae-noattn"), ComputeTarget.CPU_FLOAT32)) {
      Tensor latents = LatentPacking.unpack(io.tensor("in.packed_latents"), io.tensor("in.height").item_long(), io.tensor("in.width").item_long(), vae.spatialFactor());
      assertEquals(0.0, Tensors.relativeL2(latents, io.tensor("in.latents")), "13 x 21 pixels floor to 6 x 10 latents");
      Tensor sample = vae.decodeNormalizedImage(latents);
      assertClose(sample, io.tensor("out.sample"), "out.sample");
      assertClose(VideoPostprocess.toImages(sample), io.tensor("out.image"), "out.image");
      DiagonalGaussian posterior = vae.encodeImage(io.tensor("in.image"));
      assertClose(posterior.mean(), io.tensor("out.latent_mean"), "out.latent_mean");
      assertClose(posterior.logvar(), io.tensor("out.latent_logvar"), "out.latent_logvar");
    }
  }
}
