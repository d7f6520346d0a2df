package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LearnedSigmaTest {
  @Test
  void keepsTheFirstHalfOfTheDoubledAxis() {
    try (PointerScope scope = new PointerScope()) {
      Tensor x = torch.zeros(new long[] {2, 4, 3, 5, 5});
      Tensor doubled = torch.randn(new long[] {2, 8, 3, 5, 5});
      assertEquals(0.0, Tensors.relativeL2(LearnedSigma.predictionHalf(doubled, x), doubled.narrow(1, 0, 4)));
      Tensor same = torch.randn(new long[] {2, 4, 3, 5, 5});
      assertEquals(0.0, Tensors.relativeL2(LearnedSigma.predictionHalf(same, x), same));
      // CogVideoX's layout: channels third
      Tensor frames = torch.zeros(new long[] {1, 2, 4, 6, 6});
      Tensor framesDoubled = torch.randn(new long[] {1, 2, 8, 6, 6});
      assertEquals(0.0, Tensors.relativeL2(LearnedSigma.predictionHalf(framesDoubled, frames), framesDoubled.narrow(2, 0, 4)));
      assertThrows(IllegalArgumentException.class, () -> LearnedSigma.predictionHalf(torch.zeros(new long[] {2, 6, 3, 5, 5}), x));
      assertThrows(IllegalArgumentException.class, () -> LearnedSigma.predictionHalf(torch.zeros(new long[] {2, 8, 6, 5, 5}), x));
    }
  }
}
