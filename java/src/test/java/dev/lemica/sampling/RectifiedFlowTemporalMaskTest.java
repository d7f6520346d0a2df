package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * RFLOW under scripts/inference.py's all-ones temporal mask: a step whose float32 timestep is above
 * 1000 keeps z (Open-Sora's where(mask_t >= t, z, x0)); every other step is the unmasked update.
 */
class RectifiedFlowTemporalMaskTest {
  private static final SchedulerConfig RFLOW = SchedulerConfig.parse(
      "{\"_class_name\": \"RFLOW\", \"type\": \"rflow\", \"use_timestep_transform\": true, \"num_sampling_steps\": 4, \"cfg_scale\": 7.0}"
          .getBytes(StandardCharsets.UTF_8), "test rflow");

  /** A model whose velocity is 1 everywhere. */
  private static final Denoiser ONES = (x, step, t) -> new Denoiser.Prediction(torch.ones_like(x), true);

  @Test
  void aFirstTimestepJustOver1000LeavesTheLatentsUnchanged() {
    try (PointerScope scope = new PointerScope()) {
      // The golden notes' size: 24x40 pixels, 36 frames give t_0 = 1000.0001220703125 in float32.
      RectifiedFlow plain = (RectifiedFlow) Schedulers.fromConfig(RFLOW, 4, SamplingContext.NONE.withVideo(24, 40, 36));
      assertTrue(plain.timestep(0) > 1000, "t_0 = " + plain.timestep(0));
      Tensor z = torch.zeros(1, 4, 2, 2, 2);
      float[] dt = plain.dt();
      float withoutMask = plain.sample(z, ONES, StepListener.NONE).mean().item_float();
      float masked = plain.withTemporalMask().sample(z, ONES, StepListener.NONE).mean().item_float();
      assertEquals(dt[0] + dt[1] + dt[2] + dt[3], withoutMask, 1e-6f);
      assertEquals(dt[1] + dt[2] + dt[3], masked, 1e-6f, "step 0 keeps z");

      RectifiedFlow exact = (RectifiedFlow) Schedulers.fromConfig(RFLOW, 4, SamplingContext.NONE.withVideo(240, 426, 51));
      assertEquals(1000.0, exact.timestep(0), "240p 9:16: exactly 1000");
      assertTrue(exact.sample(z, ONES, StepListener.NONE).equal(exact.withTemporalMask().sample(z, ONES, StepListener.NONE)),
          "no step above 1000: the mask changes nothing");
    }
  }
}
