package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class GroupNormTest {
  /** Per sample and group, (x − mean) / √(biased var + eps) over the group's channels and pixels, then per-channel γ, β; in double. */
  @Test
  void normalisesEachGroupOfEachSample() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      torch.manual_seed(5);
      int n = 2, c = 6, groups = 3, pixels = 4 * 5;
      double eps = 1e-6;
      Tensor x = torch.randn(n, c, 4, 5).mul(new org.bytedeco.pytorch.Scalar(3.0));
      Tensor gamma = torch.rand(c);
      Tensor beta = torch.randn(c);
      float[] out = Tensors.toFloats(new GroupNorm(groups, gamma, beta, eps).apply(x));
      float[] in = Tensors.toFloats(x);
      float[] g = Tensors.toFloats(gamma);
      float[] b = Tensors.toFloats(beta);
      int per = c / groups;
      double worst = 0;
      for (int s = 0; s < n; s++) {
        for (int grp = 0; grp < groups; grp++) {
          int from = (s * c + grp * per) * pixels;
          int count = per * pixels;
          double mean = 0;
          for (int i = 0; i < count; i++) {
            mean += in[from + i];
          }
          mean /= count;
          double var = 0;
          for (int i = 0; i < count; i++) {
            var += (in[from + i] - mean) * (in[from + i] - mean);
          }
          var /= count;
          for (int i = 0; i < count; i++) {
            int ch = grp * per + i / pixels;
            double expected = (in[from + i] - mean) / Math.sqrt(var + eps) * g[ch] + b[ch];
            worst = Math.max(worst, Math.abs(out[from + i] - expected));
          }
        }
      }
      assertTrue(worst < 1e-5, "largest difference " + worst);
    }
  }

  @Test
  void channelsMustSplitIntoEqualGroups() {
    try (PointerScope scope = new PointerScope()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(4, torch.ones(6), torch.zeros(6), 1e-6));
      assertEquals("GroupNorm: 6 channels do not fall into 4 groups", e.getMessage());
    }
  }
}
