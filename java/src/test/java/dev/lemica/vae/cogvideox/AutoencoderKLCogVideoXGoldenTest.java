package dev.lemica.vae.cogvideox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.LatentLayout;
import dev.lemica.vae.VaeChecks;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.VideoPostprocess;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fp32 CPU: diffusers' AutoencoderKLCogVideoX (golden/cogvideox_vae) decode and encode outputs, and
 * every per-group activation the golden holds, within 1e-5 relative L2; the pipeline's permute and
 * 1/scaling_factor exactly.
 */
class AutoencoderKLCogVideoXGoldenTest {
  static final double TOLERANCE = 1e-5;

  static SafetensorsFile io;
  static AutoencoderKLCogVideoX vae;

  @BeforeAll
  static void load() {
    Path dir = Golden.dir("cogvideox_vae");
    io = SafetensorsFile.open(dir.resolve("io.safetensors"));
    vae = (AutoencoderKLCogVideoX) Vaes.load(dir, ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void close() {
    vae.close();
    io.close();
  }

  @Test
  void decodesThePipelinesLatentsAsCogVideoXPipelineDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor pipelineLatents = io.tensor("in.latents");
      assertEquals(LatentLayout.FRAMES_FIRST, vae.pipelineLayout());
      Tensor raw = vae.denormalize(vae.pipelineLayout().toVae(pipelineLatents, vae));
      assertEquals(0.0, Tensors.relativeL2(raw, io.tensor("act.vae_decode_input")), "permute and 1/scaling_factor bit for bit");

      VaeChecks.Activations acts = new VaeChecks.Activations(io);
      Tensor video = vae.decode(raw, acts.observer());
      acts.assertAllClose(TOLERANCE, "act.decoder.");
      assertEquals(8, acts.errors().size(), "4 modules x 2 groups");
      assertEquals(17, vae.videoFrames(5));

      double err = Tensors.relativeL2(video, io.tensor("out.video"));
      System.out.println("out.video relative L2: " + err);
      assertTrue(err < TOLERANCE, "out.video relative L2 " + err);
      double frames = Tensors.relativeL2(VideoPostprocess.toFrames(video), io.tensor("out.frames"));
      System.out.println("out.frames relative L2: " + frames);
      assertTrue(frames < TOLERANCE, "out.frames relative L2 " + frames);
      assertEquals(0.0, Tensors.relativeL2(vae.decodeNormalized(vae.pipelineLayout().toVae(pipelineLatents, vae)), video));
      assertEquals(0.0, Tensors.relativeL2(vae.decode(raw, 17), video), "the one frame count the latents decode to");
    }
  }

  @Test
  void encodesThePosteriorAsDiffusersDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      VaeChecks.Activations acts = new VaeChecks.Activations(io);
      DiagonalGaussian posterior = vae.encode(io.tensor("in.video"), acts.observer());
      acts.assertAllClose(TOLERANCE, "act.encoder.");
      assertEquals(12, acts.errors().size(), "6 modules x 2 groups");
      assertEquals(5, vae.latentFrames(17));

      double mean = Tensors.relativeL2(posterior.mean(), io.tensor("out.latent_mean"));
      System.out.println("out.latent_mean relative L2: " + mean);
      assertTrue(mean < TOLERANCE, "out.latent_mean relative L2 " + mean);
      double logvar = Tensors.relativeL2(posterior.logvar(), io.tensor("out.latent_logvar"));
      System.out.println("out.latent_logvar relative L2: " + logvar);
      assertTrue(logvar < TOLERANCE, "out.latent_logvar relative L2 " + logvar);
    }
  }

  /** bf16 compute: float32 outputs within bf16 precision of the fp32 reference. */
  @Test
  void runsInBfloat16() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder bf16 = Vaes.load(Golden.dir("cogvideox_vae"), new ComputeTarget("cpu", ScalarType.BFloat16))) {
      Tensor video = bf16.decode(io.tensor("act.vae_decode_input"));
      assertEquals(ScalarType.Float.value, video.scalar_type().value);
      double err = Tensors.relativeL2(video, io.tensor("out.video"));
      double meanErr = Tensors.relativeL2(bf16.encodeMean(io.tensor("in.video")), io.tensor("out.latent_mean"));
      System.out.println("bf16: out.video relative L2 " + err + ", out.latent_mean " + meanErr);
      assertTrue(err < 3e-2 && meanErr < 3e-2, "bf16 out.video " + err + ", out.latent_mean " + meanErr);
    }
  }
}
