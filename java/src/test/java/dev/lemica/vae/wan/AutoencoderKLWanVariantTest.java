package dev.lemica.vae.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.VideoPostprocess;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * golden/wan_vae-variant: a config of our own (temporal factor 2, spatial factor 4, decoder_base_dim
 * != base_dim, one residual block per level, z_dim 3, batch 2, non-square) computed by the float64
 * whole-sequence NumPy reference (tools/reference/wan_vae_np.py, which has no chunk loop and no
 * cache): the chunked decode and encode must land on it.
 */
class AutoencoderKLWanVariantTest {
  static final double TOLERANCE = 1e-5;

  private static void assertClose(Tensor ours, SafetensorsFile io, String name) {
    Tensor reference = io.tensor(name);
    assertArrayEquals(Tensors.shape(reference), Tensors.shape(ours), name);
    double err = Tensors.relativeL2(ours, reference);
    assertTrue(err < TOLERANCE, name + " relative L2 " + err);
    System.out.println(name + " relative L2: " + err);
  }

  @Test
  void decodeAndEncodeMatchTheWholeSequenceReference() {
    Path dir = Golden.dir("wan_vae-variant");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"));
        VideoAutoencoder vae = Vaes.load(dir, ComputeTarget.CPU_FLOAT32)) {
      assertEquals(2, vae.temporalFactor());
      assertEquals(4, vae.spatialFactor());
      Tensor raw = vae.denormalize(io.tensor("in.latents"));
      assertClose(raw, io, "act.vae_decode_input");
      Tensor sample = vae.decode(raw);
      assertClose(sample, io, "out.sample");
      assertClose(VideoPostprocess.toFrames(sample), io, "out.frames");
      DiagonalGaussian posterior = vae.encode(io.tensor("in.video"));
      assertClose(posterior.mean(), io, "out.latent_mean");
      assertClose(posterior.logvar(), io, "out.latent_logvar");
    }
  }
}
