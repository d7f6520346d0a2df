package dev.lemica.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** FluxPipeline / QwenImagePipeline 2×2 packing, element by element, and its bad inputs. */
class LatentPackingTest {
  @Test
  void tokenIAndChannelKHoldTheirPatchPixel() {
    try (PointerScope scope = new PointerScope()) {
      long b = 2, c = 3, h = 4, w = 6;
      Tensor latents = torch.arange(new org.bytedeco.pytorch.Scalar(b * c * h * w)).reshape(b, c, h, w).to(torch.ScalarType.Float);
      Tensor tokens = LatentPacking.pack(latents);
      assertArrayEquals(new long[] {b, (h / 2) * (w / 2), 4 * c}, Tensors.shape(tokens));
      float[] t = Tensors.toFloats(tokens);
      float[] l = Tensors.toFloats(latents);
      for (int n = 0; n < b; n++) {
        for (int i = 0; i < h / 2; i++) {
          for (int j = 0; j < w / 2; j++) {
            for (int ch = 0; ch < c; ch++) {
              for (int dy = 0; dy < 2; dy++) {
                for (int dx = 0; dx < 2; dx++) {
                  long token = i * (w / 2) + j;
                  long k = 4L * ch + 2L * dy + dx;
                  float packed = t[(int) ((n * (h / 2) * (w / 2) + token) * 4 * c + k)];
                  float pixel = l[(int) (((n * c + ch) * h + 2 * i + dy) * w + 2 * j + dx)];
                  assertEquals(pixel, packed);
                }
              }
            }
          }
        }
      }
      assertEquals(0.0, Tensors.relativeL2(LatentPacking.unpack(tokens, 4 * 8, 6 * 8, 8), latents));
    }
  }

  @Test
  void pixelSizesFloorToWholePatches() {
    assertEquals(6, LatentPacking.latentSize(48, 8));
    assertEquals(6, LatentPacking.latentSize(63, 8));
    assertEquals(8, LatentPacking.latentSize(64, 8));
    assertEquals(128, LatentPacking.latentSize(1024, 8));
    assertEquals(6, LatentPacking.latentSize(13, 2));
  }

  @Test
  void badShapesSayWhatFits() {
    try (PointerScope scope = new PointerScope()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LatentPacking.pack(torch.randn(1, 16, 5, 6)));
      assertEquals("latents [1, 16, 5, 6]: packing takes (B, C, h, w) with h and w even", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> LatentPacking.unpack(torch.randn(1, 8, 64), 48, 48, 8));
      assertEquals("packed latents [1, 8, 64]: a 48x48 image at VAE scale factor 8 packs to (B, 9, 4C) tokens of its 6x6 latents", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> LatentPacking.unpack(torch.randn(1, 9, 63), 48, 48, 8));
      assertTrue(e.getMessage().startsWith("packed latents [1, 9, 63]: "), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> LatentPacking.unpack(torch.randn(1, 0, 64), 8, 8, 8));
      assertTrue(e.getMessage().contains("packs to (B, 0, 4C) tokens of its 0x0 latents"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> LatentPacking.latentSize(0, 8));
      assertEquals("latent size of 0 pixels at VAE scale factor 8: both must be positive", e.getMessage());
    }
  }
}
