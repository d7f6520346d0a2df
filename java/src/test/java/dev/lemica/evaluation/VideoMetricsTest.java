package dev.lemica.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class VideoMetricsTest {
  @Test
  void identicalVideosScorePerfectly() {
    torch.manual_seed(1);
    Tensor v = torch.rand(2, 3, 4, 16, 16).mul(new Scalar(2.0)).sub(new Scalar(1.0));
    for (VideoMetrics.Scores s : VideoMetrics.compare(v, v)) {
      assertEquals(VideoMetrics.PSNR_CAP, s.psnr());
      assertEquals(1.0, s.ssim(), 1e-12);
      assertEquals(0.0, s.mae());
    }
  }

  @Test
  void aConstantOffsetGivesTheKnownPsnrAndMae() {
    Tensor ref = torch.zeros(1, 3, 2, 12, 12);
    Tensor off = ref.add(new Scalar(0.2)); // +0.1 after mapping to [0, 1]
    VideoMetrics.Scores s = VideoMetrics.compare(off, ref)[0];
    assertEquals(20.0, s.psnr(), 1e-4); // 10·log10(1/0.01)
    assertEquals(0.1, s.mae(), 1e-6);
    assertTrue(s.ssim() < 1.0 && s.ssim() > 0.9, "a small uniform shift keeps structure: " + s.ssim());
  }

  @Test
  void valuesOutsideTheRangeAreClampedFirst() {
    Tensor ref = torch.ones(1, 1, 1, 12, 12);
    Tensor over = ref.mul(new Scalar(3.0)); // clamps to the same 1.0
    assertEquals(VideoMetrics.PSNR_CAP, VideoMetrics.compare(over, ref)[0].psnr());
  }

  @Test
  void noiseLowersSsimMoreThanAShift() {
    torch.manual_seed(2);
    Tensor ref = torch.rand(1, 1, 1, 32, 32).mul(new Scalar(2.0)).sub(new Scalar(1.0));
    Tensor noisy = ref.add(torch.randn(1, 1, 1, 32, 32).mul(new Scalar(0.3)));
    Tensor shifted = ref.add(new Scalar(0.05));
    assertTrue(VideoMetrics.compare(noisy, ref)[0].ssim() < VideoMetrics.compare(shifted, ref)[0].ssim());
  }

  @Test
  void rejectsMismatchedShapes() {
    assertThrows(IllegalArgumentException.class, () -> VideoMetrics.compare(torch.zeros(1, 3, 2, 8, 8), torch.zeros(1, 3, 2, 8, 9)));
    assertEquals(1, Tensors.shape(torch.zeros(1)).length);
  }
}
