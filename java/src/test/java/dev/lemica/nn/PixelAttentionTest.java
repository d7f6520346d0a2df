package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class PixelAttentionTest {
  /** Tokens are the pixels in row-major order, and images() undoes tokens() on non-square images. */
  @Test
  void tokensArePixelsRowMajor() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor x = torch.randn(2, 3, 4, 5);
      Tensor tokens = PixelAttention.tokens(x);
      assertArrayEquals(new long[] {2, 20, 3}, Tensors.shape(tokens));
      // Token 1·5 + 3 of image 1, channel 2, is pixel (1, 3).
      assertEquals(x.select(0, 1).select(0, 2).select(0, 1).select(0, 3).item_float(), tokens.select(0, 1).select(0, 8).select(0, 2).item_float());
      assertEquals(0.0, Tensors.relativeL2(PixelAttention.images(tokens, 4, 5), x));
    }
  }

  /** softmax(q·kᵀ/√C)·v with the thirds of the fused projection, each image on its own, computed element by element. */
  @Test
  void attendsWithOneHeadOverEachImage() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      torch.manual_seed(9);
      int n = 2, l = 5, c = 3;
      Tensor qkv = torch.randn(n, l, 3 * c);
      float[] out = Tensors.toFloats(PixelAttention.attendFused(qkv));
      float[] in = Tensors.toFloats(qkv);
      double worst = 0;
      for (int s = 0; s < n; s++) {
        for (int i = 0; i < l; i++) {
          double[] w = new double[l];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < l; j++) {
            double dot = 0;
            for (int ch = 0; ch < c; ch++) {
              dot += in[(s * l + i) * 3 * c + ch] * in[(s * l + j) * 3 * c + c + ch];
            }
            w[j] = dot / Math.sqrt(c);
            max = Math.max(max, w[j]);
          }
          double sum = 0;
          for (int j = 0; j < l; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
          }
          for (int ch = 0; ch < c; ch++) {
            double expected = 0;
            for (int j = 0; j < l; j++) {
              expected += w[j] / sum * in[(s * l + j) * 3 * c + 2 * c + ch];
            }
            worst = Math.max(worst, Math.abs(out[(s * l + i) * c + ch] - expected));
          }
        }
      }
      assertTrue(worst < 1e-5, "largest difference " + worst);
    }
  }
}
