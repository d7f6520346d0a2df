package dev.lemica.vae.opensora;

import static dev.lemica.vae.VaeChecks.close;
import static dev.lemica.vae.VaeChecks.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.VaeChecks;
import dev.lemica.vae.Vaes;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Properties of Open-Sora's micro-chunked VAE that hold for any weights, with the golden's on inputs of our own. */
class OpenSoraVaePropertiesTest {
  static OpenSoraVae vae;

  @BeforeAll
  static void load() {
    vae = (OpenSoraVae) Vaes.load(Golden.dir("opensora_vae"), ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void release() {
    vae.close();
  }

  @BeforeEach
  void seed() {
    torch.manual_seed(9);
  }

  /** The release's micro_frame_size 17: 5 latent frames per 17 frames, ceil(r / 4) for the rest. */
  @Test
  void frameCountsFollowTheMicroChunks() {
    long[][] latent = {{1, 1}, {4, 1}, {5, 2}, {16, 4}, {17, 5}, {18, 6}, {22, 7}, {34, 10}, {51, 15}, {102, 30}};
    for (long[] c : latent) {
      assertEquals(c[1], vae.latentFrames(c[0]), c[0] + " frames");
    }
    long[][] ranges = {{1, 1, 4}, {4, 13, 16}, {5, 17, 17}, {7, 22, 25}, {10, 34, 34}, {15, 51, 51}};
    for (long[] r : ranges) {
      assertEquals(r[1], vae.fewestVideoFrames(r[0]), r[0] + " latent frames");
      assertEquals(r[2], vae.videoFrames(r[0]), r[0] + " latent frames");
    }
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 7, 2, 3);
      for (long frames = 22; frames <= 25; frames++) {
        assertArrayEquals(new long[] {1, 3, frames, 16, 24}, Tensors.shape(vae.decode(z, frames)));
      }
      assertArrayEquals(new long[] {1, 3, 25, 16, 24}, Tensors.shape(vae.decode(z)), "without a count, the most");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vae.decode(z, 21));
      assertEquals("21 frames: VideoAutoencoderPipeline decodes 7 latent frames to 22 to 25 frames", e.getMessage());
      assertArrayEquals(new long[] {1, 4, 7, 2, 3}, Tensors.shape(vae.encodeMean(uniform(1, 3, 22, 16, 24))));
    }
  }

  /** Micro-chunks are independent and frames never mix in the spatial VAE: the first chunk's latents alone give the first 17 frames. */
  @Test
  void microChunksDecodeAndEncodeIndependently() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 7, 2, 2);
      Tensor full = vae.decode(z, 23);
      assertTrue(close(vae.decode(z.narrow(2, 0, 5), 17), full.narrow(2, 0, 17)) < 1e-6, "chunk 0 alone");
      assertTrue(close(vae.decode(z.narrow(2, 5, 2), 6), full.narrow(2, 17, 6)) < 1e-6, "chunk 1 alone, as a video of its own");

      Tensor v = uniform(1, 3, 22, 16, 16);
      Tensor mean = vae.encodeMean(v);
      assertTrue(close(vae.encodeMean(v.narrow(2, 0, 17)), mean.narrow(2, 0, 5)) < 1e-6);
      assertTrue(close(vae.encodeMean(v.narrow(2, 17, 5)), mean.narrow(2, 5, 2)) < 1e-6);
    }
  }

  /**
   * Not causal inside a chunk: the temporal convolutions are, but GroupNorm statistics span the
   * whole chunk, and the decode's front crop depends on the frame count asked for.
   */
  @Test
  void aChunkIsNotCausalInside() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 5, 2, 2);
      Tensor changed = z.clone();
      changed.narrow(2, 4, 1).copy_(torch.randn(1, 4, 1, 2, 2));
      assertTrue(close(vae.decode(changed, 17).narrow(2, 0, 1), vae.decode(z, 17).narrow(2, 0, 1)) > 1e-4, "frame 0 sees latent frame 4");
      // The same latents for 13 frames: the crop drops 3 frames of the decoder's 16.
      assertTrue(close(vae.decode(z.narrow(2, 0, 4), 13), vae.decode(z.narrow(2, 0, 4), 16).narrow(2, 3, 13)) < 1e-6);
    }
  }

  @Test
  void aBatchOfTwoDecodesAndEncodesAsTwoSingleVideos() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      VaeChecks.assertBatchOfTwoIsTwoSingles(z -> vae.decode(z, 19), torch.randn(1, 4, 6, 2, 3), torch.randn(1, 4, 6, 2, 3), "decode");

      Tensor u = uniform(1, 3, 19, 16, 24);
      VaeChecks.assertBatchOfTwoIsTwoSingles(vae::encodeMean, uniform(1, 3, 19, 16, 24), uniform(1, 3, 19, 16, 24), "encode");
      // The sampled path with zero noise is the mean path.
      Tensor zero = vae.encodeSampled(u, torch.zeros(19, 4, 2, 3), torch.zeros(1, 4, 6, 2, 3));
      assertTrue(close(zero, vae.normalize(vae.encodeMean(u))) < 1e-6);
    }
  }

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
