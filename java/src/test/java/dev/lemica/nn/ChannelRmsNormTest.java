package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class ChannelRmsNormTest {
  /** x / ‖x over channels‖ · √C · γ + β, computed element by element in double. */
  @Test
  void normalisesEachPositionOverTheChannels() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      torch.manual_seed(3);
      int c = 5;
      int positions = 2 * 3 * 4; // (T, H, W) of one batch element
      Tensor x = torch.randn(2, c, 2, 3, 4);
      Tensor gamma = torch.rand(c, 1, 1, 1);
      Tensor beta = torch.randn(c, 1, 1, 1);
      float[] out = Tensors.toFloats(new ChannelRmsNorm(gamma, beta).apply(x));
      float[] in = Tensors.toFloats(x);
      float[] g = Tensors.toFloats(gamma);
      float[] b = Tensors.toFloats(beta);
      double worst = 0;
      for (int batch = 0; batch < 2; batch++) {
        for (int p = 0; p < positions; p++) {
          double sum = 0;
          for (int ch = 0; ch < c; ch++) {
            double v = in[(batch * c + ch) * positions + p];
            sum += v * v;
          }
          double norm = Math.max(Math.sqrt(sum), 1e-12);
          for (int ch = 0; ch < c; ch++) {
            int i = (batch * c + ch) * positions + p;
            double expected = in[i] / norm * Math.sqrt(c) * g[ch] + b[ch];
            worst = Math.max(worst, Math.abs(out[i] - expected));
          }
        }
      }
      assertTrue(worst < 1e-5, "largest deviation " + worst);
    }
  }

  @Test
  void zeroInputStaysZeroAndBfloat16NormalisesInFloat32() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      ChannelRmsNorm norm = new ChannelRmsNorm(torch.ones(4, 1, 1), null);
      assertEquals(0.0, Tensors.relativeL2(norm.apply(torch.zeros(1, 4, 2, 2)), torch.zeros(1, 4, 2, 2)));
      Tensor x = torch.randn(1, 4, 3, 3).mul(new org.bytedeco.pytorch.Scalar(1e3));
      Tensor bf16 = new ChannelRmsNorm(torch.ones(4, 1, 1).to(ScalarType.BFloat16), null).apply(x.to(ScalarType.BFloat16));
      assertEquals(ScalarType.BFloat16.value, bf16.scalar_type().value);
      assertTrue(Tensors.relativeL2(bf16, norm.apply(x)) < 1e-2);
    }
  }
}
