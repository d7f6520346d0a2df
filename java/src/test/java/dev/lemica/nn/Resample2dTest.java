package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Upsample2d and Downsample2d with a kernel that copies its centre pixel: the sampling grids themselves. */
class Resample2dTest {
  /** A 3×3 kernel per channel that passes the centre pixel through. */
  private static Tensor centre(long channels) {
    Tensor w = torch.zeros(channels, channels, 3, 3);
    for (long c = 0; c < channels; c++) {
      w.select(0, c).select(0, c).select(0, 1).select(0, 1).fill_(new Scalar(1.0));
    }
    return w;
  }

  @Test
  void upsamplingDuplicatesEachPixelIntoATwoByTwoBlock() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor x = torch.randn(2, 3, 3, 5);
      Tensor y = new Upsample2d(centre(3), torch.zeros(3)).apply(x);
      assertArrayEquals(new long[] {2, 3, 6, 10}, Tensors.shape(y));
      assertEquals(0.0, Tensors.relativeL2(y, x.repeat_interleave(2, new LongOptional(2), new LongOptional()).repeat_interleave(2, new LongOptional(3), new LongOptional())));
    }
  }

  /** Output (i, j) is centred on input (2i + 1, 2j + 1): the pad is one zero column right and one zero row below. */
  @Test
  void downsamplingSamplesOddPixelsWithTheLdmPadding() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor x = torch.randn(1, 2, 6, 8);
      Tensor y = new Downsample2d(centre(2), torch.zeros(2)).apply(x);
      assertArrayEquals(new long[] {1, 2, 3, 4}, Tensors.shape(y));
      Tensor odd = x.slice(2, new LongOptional(1), new LongOptional(6), 2).slice(3, new LongOptional(1), new LongOptional(8), 2);
      assertEquals(0.0, Tensors.relativeL2(y, odd));
    }
  }
}
