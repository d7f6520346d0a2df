package dev.lemica.vae.kl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.torch.TorchRuntime;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Properties of the frame-wise image VAE that hold for any weights, with the sd_vae golden's on
 * inputs of our own: frames and batch elements are independent, so batching and LattePipeline's
 * chunking change nothing; shapes for non-square sizes; normalisation round trips.
 */
class AutoencoderKLPropertiesTest {
  static AutoencoderKL sd;
  static AutoencoderKL flux;

  @BeforeAll
  static void load() {
    TorchRuntime.configure(null);
    sd = (AutoencoderKL) Vaes.load(Golden.dir("sd_vae"), ComputeTarget.CPU_FLOAT32);
    flux = (AutoencoderKL) Vaes.load(Golden.dir("flux_vae"), ComputeTarget.CPU_FLOAT32);
  }

  @AfterAll
  static void close() {
    sd.close();
    flux.close();
  }

  @BeforeEach
  void seed() {
    torch.manual_seed(11);
  }

  private static Tensor uniform(long... shape) {
    return torch.rand(shape).mul(new Scalar(2.0)).sub(new Scalar(1.0));
  }

  private static double close(Tensor ours, Tensor reference) {
    assertArrayEquals(Tensors.shape(reference), Tensors.shape(ours));
    return Tensors.relativeL2(ours, reference);
  }

  @Test
  void framesMapOneToOneAtTheSpatialFactor() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      assertArrayEquals(new long[] {1, 3, 2, 24, 40}, Tensors.shape(sd.decode(torch.randn(1, 4, 2, 3, 5))));
      assertArrayEquals(new long[] {2, 4, 3, 5, 2}, Tensors.shape(sd.encodeMean(uniform(2, 3, 3, 40, 16))));
      assertArrayEquals(new long[] {1, 3, 8, 56}, Tensors.shape(flux.decodeImage(torch.randn(1, 16, 1, 7))));
      assertArrayEquals(new long[] {1, 16, 7, 1}, Tensors.shape(flux.encodeImage(uniform(1, 3, 56, 8)).mean()));
      assertTrue(sd.videoFrames(16) == 16 && sd.temporalFactor() == 1);
    }
  }

  @Test
  void aBatchOfTwoIsTwoSingles() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor a = torch.randn(1, 4, 2, 3, 5);
      Tensor b = torch.randn(1, 4, 2, 3, 5);
      Tensor both = sd.decode(torch.cat(new TensorVector(a, b), 0), 4);
      Tensor separately = torch.cat(new TensorVector(sd.decode(a), sd.decode(b)), 0);
      double err = close(both, separately);
      assertTrue(err < 1e-5, "decode batch 2 vs singles " + err);

      Tensor u = uniform(1, 3, 1, 16, 24);
      Tensor v = uniform(1, 3, 1, 16, 24);
      Tensor encodedBoth = sd.encode(torch.cat(new TensorVector(u, v), 0), 2, dev.lemica.vae.VaeObserver.NONE).mean();
      Tensor encodedSeparately = torch.cat(new TensorVector(sd.encodeMean(u), sd.encodeMean(v)), 0);
      double encodeErr = close(encodedBoth, encodedSeparately);
      assertTrue(encodeErr < 1e-5, "encode batch 2 vs singles " + encodeErr);
    }
  }

  /** LattePipeline's decode_chunk_size: 1, 2 (calls straddling two videos) and all frames give the same video. */
  @Test
  void theDecodeChunkSizeChangesNothing() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor z = torch.randn(2, 4, 3, 2, 3);
      Tensor one = sd.decode(z, 1);
      for (int chunk : new int[] {2, 6, 100}) {
        double err = close(sd.decode(z, chunk), one);
        // Rounding only: convolutions of other batch sizes sum in another order (diffusers' own no-chunking check: 3e-7).
        assertTrue(err < 1e-5, "decode_chunk_size " + chunk + " vs 1: " + err);
      }
      // Each frame alone decodes to its frame of the video: frames do not interact.
      double err = close(sd.decode(z.narrow(0, 1, 1).narrow(2, 2, 1)), one.narrow(0, 1, 1).narrow(2, 2, 1));
      assertTrue(err < 1e-6, "video 1 frame 2 alone " + err);
    }
  }

  @Test
  void normalizeInvertsDenormalize() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      for (VideoAutoencoder vae : new VideoAutoencoder[] {sd, flux}) {
        Tensor z = torch.randn(2, vae.latentChannels(), 2, 3, 3);
        Tensor raw = vae.denormalize(z);
        assertTrue(close(raw, z) > 0.1, vae + " denormalize is not the identity");
        assertTrue(close(vae.normalize(raw), z) < 1e-6);
      }
      // FLUX shifts, SD only scales: raw = z / 0.3611 + 0.1159 and raw = z / 0.18215.
      Tensor zero = torch.zeros(1, 16, 1, 1, 1);
      assertTrue(Math.abs(flux.denormalize(zero).mean().item_double() - 0.1159) < 1e-7);
      Tensor ones = torch.ones(1, 4, 1, 1, 1);
      assertTrue(Math.abs(sd.denormalize(ones).mean().item_double() - 1 / 0.18215) < 1e-5);
    }
  }
}
