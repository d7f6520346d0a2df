package dev.lemica.vae.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.VaeChecks;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fp32 CPU: Open-Sora v1.2.0's VideoAutoencoderPipeline (golden/opensora_vae) decode to the golden's
 * frame count, the zero-noise encode and the sampled encode with the recorded noise, and the
 * activations the golden holds, within 1e-5 relative L2.
 */
class OpenSoraVaeGoldenTest {
  static final double TOLERANCE = 1e-5;

  static SafetensorsFile io;
  static OpenSoraVae vae;

  @BeforeAll
  static void load() {
    Path dir = Golden.dir("opensora_vae");
    io = SafetensorsFile.open(dir.resolve("io.safetensors"));
    vae = (OpenSoraVae) Vaes.load(dir, ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void close() {
    vae.close();
    io.close();
  }

  private static void assertClose(String what, Tensor ours, String golden) {
    double err = Tensors.relativeL2(ours, io.tensor(golden));
    System.out.println(what + " relative L2: " + err);
    assertTrue(err < TOLERANCE, what + " relative L2 " + err);
  }

  @Test
  void decodesToTheFrameCountAskedForAsOpenSoraDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      assertEquals("VideoAutoencoderPipeline", vae.className());
      long frames = io.tensor("in.video").size(2);
      assertEquals(22, frames);
      assertEquals(7, vae.latentFrames(frames));
      assertEquals(22, vae.fewestVideoFrames(7));
      assertEquals(25, vae.videoFrames(7));

      Tensor raw = vae.denormalize(io.tensor("in.latents"));
      assertEquals(0.0, Tensors.relativeL2(raw, io.tensor("act.decode.z_denorm")), "z · scale + shift bit for bit");
      VaeChecks.Activations acts = new VaeChecks.Activations(io);
      Tensor video = vae.decode(raw, frames, acts.observer());
      acts.assertAllClose(TOLERANCE, "act.decode.temporal_decoder_out.", "act.decode.x_z");
      assertEquals(3, acts.errors().size(), "two chunks and x_z");
      assertClose("out.video", video, "out.video");
      assertEquals(0.0, Tensors.relativeL2(vae.decodeNormalized(io.tensor("in.latents"), frames), video));
    }
  }

  @Test
  void encodesTheMeanPathAndTheSampledPath() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      VaeChecks.Activations acts = new VaeChecks.Activations(io);
      DiagonalGaussian posterior = vae.encode(io.tensor("in.video"), acts.observer());
      acts.assertAllClose(TOLERANCE, "act.encode.");
      assertClose("out.latent_mean", vae.normalize(posterior.mean()), "out.latent_mean");

      Tensor z = vae.encodeSampled(io.tensor("in.video"), io.tensor("in.noise_spatial"), io.tensor("in.noise_temporal"));
      assertClose("out.latent_z", z, "out.latent_z");
    }
  }

  /** bf16 compute: float32 outputs within bf16 precision of the fp32 reference. */
  @Test
  void runsInBfloat16() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder bf16 = Vaes.load(Golden.dir("opensora_vae"), new ComputeTarget("cpu", ScalarType.BFloat16))) {
      Tensor video = bf16.decodeNormalized(io.tensor("in.latents"), 22);
      assertEquals(ScalarType.Float.value, video.scalar_type().value);
      double err = Tensors.relativeL2(video, io.tensor("out.video"));
      double meanErr = Tensors.relativeL2(bf16.normalize(bf16.encodeMean(io.tensor("in.video"))), io.tensor("out.latent_mean"));
      System.out.println("bf16: out.video relative L2 " + err + ", out.latent_mean " + meanErr);
      assertTrue(err < 3e-2 && meanErr < 3e-2, "bf16 out.video " + err + ", out.latent_mean " + meanErr);
    }
  }
}
