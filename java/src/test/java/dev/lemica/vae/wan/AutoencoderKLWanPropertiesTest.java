package dev.lemica.vae.wan;

import static dev.lemica.vae.VaeChecks.close;
import static dev.lemica.vae.VaeChecks.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.torch.TorchRuntime;
import dev.lemica.vae.VaeChecks;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Properties of the chunked causal VAE that hold for any weights, checked with the golden's on
 * inputs and sizes of our own (non-square, other frame counts, batch 2).
 */
class AutoencoderKLWanPropertiesTest {
  static VideoAutoencoder vae;

  @BeforeAll
  static void load() {
    TorchRuntime.configure(null);
    vae = Vaes.load(Golden.dir("wan_vae"), ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void release() {
    vae.close();
  }

  @BeforeEach
  void seed() {
    torch.manual_seed(7);
  }

  @Test
  void latentFramesDecodeToOnePlusFourPerLaterFrame() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      assertArrayEquals(new long[] {1, 3, 1, 16, 24}, Tensors.shape(vae.decode(torch.randn(1, 4, 1, 2, 3))));
      assertArrayEquals(new long[] {1, 3, 9, 16, 24}, Tensors.shape(vae.decode(torch.randn(1, 4, 3, 2, 3))));
      assertArrayEquals(new long[] {1, 3, 13, 8, 16}, Tensors.shape(vae.decode(torch.randn(1, 4, 4, 1, 2))));
      assertArrayEquals(new long[] {1, 4, 3, 2, 3}, Tensors.shape(vae.encodeMean(uniform(1, 3, 9, 16, 24))));
      assertArrayEquals(new long[] {1, 4, 1, 2, 3}, Tensors.shape(vae.encodeMean(uniform(1, 3, 1, 16, 24))));
    }
  }

  @Test
  void aBatchOfTwoDecodesAndEncodesAsTwoSingleVideos() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      VaeChecks.assertBatchOfTwoIsTwoSingles(vae::decode, torch.randn(1, 4, 3, 2, 3), torch.randn(1, 4, 3, 2, 3), "decode");

      VaeChecks.assertBatchOfTwoIsTwoSingles(vae::encodeMean, uniform(1, 3, 9, 16, 24), uniform(1, 3, 9, 16, 24), "encode");
    }
  }

  /**
   * The first 1 + 4(k − 1) frames depend on the first k latent frames only: decoding a prefix gives
   * the same frames, and changing a later latent frame changes later frames but none before.
   */
  @Test
  void decodingIsCausalInTime() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 4, 1, 2);
      Tensor full = vae.decode(z);
      for (int k = 1; k <= 3; k++) {
        long frames = 1 + 4L * (k - 1);
        double err = close(vae.decode(z.narrow(2, 0, k)), full.narrow(2, 0, frames));
        assertTrue(err < 1e-6, "prefix of " + k + " latent frames: " + err);
      }
      Tensor changed = z.clone();
      changed.narrow(2, 2, 1).copy_(torch.randn(1, 4, 1, 1, 2));
      Tensor other = vae.decode(changed);
      assertTrue(close(other.narrow(2, 0, 5), full.narrow(2, 0, 5)) < 1e-6, "frames 0-4 do not see latent frame 2");
      // Latent frame 2 makes frames 5-8, and through the causal caches frame 3's 9-12 too.
      assertTrue(close(other.narrow(2, 5, 4), full.narrow(2, 5, 4)) > 1e-2, "frames 5-8 come from latent frame 2");
      assertTrue(close(other.narrow(2, 9, 4), full.narrow(2, 9, 4)) > 1e-3, "frames 9-12 remember latent frame 2");
    }
  }

  /** Encoding is causal as well: the first 1 + 4k frames give the first 1 + k latent frames. */
  @Test
  void encodingIsCausalInTime() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor video = uniform(1, 3, 9, 16, 24);
      Tensor full = vae.encodeMean(video);
      assertTrue(close(vae.encodeMean(video.narrow(2, 0, 5)), full.narrow(2, 0, 2)) < 1e-6);
      assertTrue(close(vae.encodeMean(video.narrow(2, 0, 1)), full.narrow(2, 0, 1)) < 1e-6);
    }
  }

  /** normalize undoes denormalize (up to float32 rounding), and neither is the identity. */
  @Test
  void normalizeInvertsDenormalize() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(2, 4, 2, 3, 3);
      Tensor raw = vae.denormalize(z);
      assertTrue(close(raw, z) > 0.1);
      assertTrue(close(vae.normalize(raw), z) < 1e-6);
    }
  }
}
