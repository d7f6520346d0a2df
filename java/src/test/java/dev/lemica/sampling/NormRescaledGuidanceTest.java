package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Qwen-Image's rule on inputs of our own (batch 2, 5 tokens, 12 channels): each token of the result
 * has its cond branch's norm and the direction of plain CFG; scale 1 and below runs no second branch.
 * (The diffusers goldens check it step by step: PipelineCacheGoldenTest, QwenImagePipelineGoldenTest.)
 */
class NormRescaledGuidanceTest {
  @Test
  void keepsEachTokensCondNormInThePlainRulesDirection() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(7);
      Tensor uncond = torch.randn(2, 5, 12);
      Tensor cond = torch.randn(2, 5, 12);
      NormRescaledGuidance rule = new NormRescaledGuidance(4.0);
      Tensor out = rule.combine(uncond, cond, 3, 500.0);
      Tensor plain = Guidance.classifierFree(4.0).combine(uncond, cond, 3, 500.0);
      double normError = Tensors.relativeL2(norms(out), norms(cond));
      assertTrue(normError < 1e-6, "token norms differ from the cond branch's by " + normError);
      // Same direction per token: out / |out| == plain / |plain|.
      double direction = Tensors.relativeL2(out.div(norms(out)), plain.div(norms(plain)));
      assertTrue(direction < 1e-6, "directions differ by " + direction);
      assertTrue(rule.guided());
      assertFalse(new NormRescaledGuidance(1.0).guided(), "true_cfg_scale 1 runs no negative branch");
      assertEquals("true cfg 4.0 (norm-rescaled)", rule.describe());
      assertThrows(IllegalArgumentException.class, () -> new NormRescaledGuidance(Double.NaN));
    }
  }

  private static Tensor norms(Tensor x) {
    return torch.linalg_vector_norm(x, new Scalar(2), new long[] {-1}, true, new ScalarTypeOptional());
  }
}
