package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Latents live on the denoiser's device. Noise comes from the CPU (seeded like Python), the model
 * may sit on a GPU; the "meta" device stands in for one here: it has shapes and no data.
 */
class SamplerDeviceTest {
  @Test
  void keepsTheLatentsOnTheDenoisersDevice() {
    try (PointerScope scope = new PointerScope()) {
      Device meta = new Device("meta");
      List<String> seen = new ArrayList<>();
      Denoiser onMeta =
          new Denoiser() {
            @Override
            public Prediction predict(Tensor x, int step, double timestep) {
              seen.add(x.device().str().getString());
              return new Prediction(torch.zeros_like(x), true);
            }

            @Override
            public Device device() {
              return meta;
            }
          };
      Tensor out = new FlowMatchEuler(3, 1.0).sample(torch.randn(1, 2, 3), onMeta, StepListener.NONE);
      assertEquals(List.of("meta", "meta", "meta"), seen);
      assertTrue(out.is_meta());
    }
  }
}
