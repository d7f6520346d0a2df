package dev.lemica.vae.cogvideox;

import static dev.lemica.vae.VaeChecks.close;
import static dev.lemica.vae.VaeChecks.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.VaeChecks;
import dev.lemica.vae.Vaes;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Properties of the frame-grouped CogVideoX VAE that hold for any weights, checked with the golden's
 * on inputs and sizes of our own (non-square, other frame counts, batch 2).
 */
class AutoencoderKLCogVideoXPropertiesTest {
  static AutoencoderKLCogVideoX vae;

  @BeforeAll
  static void load() {
    vae = (AutoencoderKLCogVideoX) Vaes.load(Golden.dir("cogvideox_vae"), ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void release() {
    vae.close();
  }

  @BeforeEach
  void seed() {
    torch.manual_seed(5);
  }

  @Test
  void framesAreGroupedAsDiffusersGroupsThem() {
    assertEquals(List.of("[0, 1]"), groups(1, 2));
    assertEquals(List.of("[0, 3]", "[3, 5]"), groups(5, 2));
    assertEquals(List.of("[0, 2]", "[2, 4]", "[4, 6]"), groups(6, 2));
    assertEquals(List.of("[0, 3]", "[3, 5]", "[5, 7]", "[7, 9]", "[9, 11]", "[11, 13]"), groups(13, 2));
    assertEquals(List.of("[0, 9]", "[9, 17]"), groups(17, 8));
    assertEquals(List.of("[0, 5]"), groups(5, 8));
    assertEquals(List.of("[0, 11]", "[11, 19]"), groups(19, 8));
  }

  private static List<String> groups(long frames, int size) {
    return FrameGroups.of(frames, size).stream().map(java.util.Arrays::toString).toList();
  }

  /** Odd T: 4T − 3 frames (49 for CogVideoX's 13); even T: 4T; and encode's counts back. */
  @Test
  void frameCountsFollowTheGroups() {
    long[][] decode = {{1, 1}, {2, 8}, {3, 9}, {4, 16}, {5, 17}, {13, 49}, {21, 81}};
    for (long[] c : decode) {
      assertEquals(c[1], vae.videoFrames(c[0]), c[0] + " latent frames");
      assertEquals(c[1], vae.fewestVideoFrames(c[0]));
    }
    long[][] encode = {{1, 1}, {9, 3}, {17, 5}, {16, 4}, {49, 13}, {81, 21}};
    for (long[] c : encode) {
      assertEquals(c[1], vae.latentFrames(c[0]), c[0] + " video frames");
    }
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      assertArrayEquals(new long[] {1, 3, 1, 16, 24}, Tensors.shape(vae.decode(torch.randn(1, 4, 1, 2, 3))));
      assertArrayEquals(new long[] {1, 3, 16, 8, 16}, Tensors.shape(vae.decode(torch.randn(1, 4, 4, 1, 2))));
      assertArrayEquals(new long[] {1, 4, 4, 2, 3}, Tensors.shape(vae.encodeMean(uniform(1, 3, 16, 16, 24))));
      assertArrayEquals(new long[] {1, 4, 1, 2, 1}, Tensors.shape(vae.encodeMean(uniform(1, 3, 1, 16, 8))));
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
   * Causal by groups, not by frames: a group's frames depend on the latent frames up to the group's
   * end only, so decoding the latents of the first groups gives the whole decode's first frames; but
   * inside a group GroupNorm and the spatial norms mix every frame, so frame 0 sees latent frame 2.
   */
  @Test
  void decodingIsCausalByFrameGroups() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(1, 4, 7, 2, 2); // groups [0, 3), [3, 5), [5, 7): 9 + 8 + 8 frames
      Tensor full = vae.decode(z);
      assertTrue(close(vae.decode(z.narrow(2, 0, 3)), full.narrow(2, 0, 9)) < 1e-6, "first group alone");
      assertTrue(close(vae.decode(z.narrow(2, 0, 5)), full.narrow(2, 0, 17)) < 1e-6, "first two groups alone");

      Tensor changed = z.clone();
      changed.narrow(2, 4, 1).copy_(torch.randn(1, 4, 1, 2, 2));
      Tensor other = vae.decode(changed);
      assertTrue(close(other.narrow(2, 0, 9), full.narrow(2, 0, 9)) < 1e-6, "group 0 does not see latent frame 4");
      assertTrue(close(other.narrow(2, 9, 8), full.narrow(2, 9, 8)) > 1e-2, "group 1 is made from latent frame 4");
      assertTrue(close(other.narrow(2, 17, 8), full.narrow(2, 17, 8)) > 1e-3, "group 2 remembers it through the caches");

      Tensor inGroup = z.clone();
      inGroup.narrow(2, 2, 1).copy_(torch.randn(1, 4, 1, 2, 2));
      assertTrue(close(vae.decode(inGroup).narrow(2, 0, 1), full.narrow(2, 0, 1)) > 1e-3, "frame 0 sees its group's latent frame 2");
    }
  }

  /** Encoding likewise: the first groups of frames give the first latent frames. */
  @Test
  void encodingIsCausalByFrameGroups() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor video = uniform(1, 3, 25, 8, 16); // groups [0, 9), [9, 17), [17, 25): 3 + 2 + 2 latent frames
      Tensor full = vae.encodeMean(video);
      assertTrue(close(vae.encodeMean(video.narrow(2, 0, 9)), full.narrow(2, 0, 3)) < 1e-6);
      assertTrue(close(vae.encodeMean(video.narrow(2, 0, 17)), full.narrow(2, 0, 5)) < 1e-6);
    }
  }

  /** denormalize is the pipeline's 1/scaling_factor; normalize the image-to-video pipeline's scaling_factor (no invert here). */
  @Test
  void normalizeInvertsDenormalizeWithoutInvertScaleLatents() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(2, 4, 2, 3, 3);
      Tensor raw = vae.denormalize(z);
      assertEquals(0.0, Tensors.relativeL2(raw, z.mul(new Scalar(1.0 / 1.15258426))));
      assertTrue(close(vae.normalize(raw), z) < 1e-6);
    }
  }
}
