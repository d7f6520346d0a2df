package dev.lemica.vae;

import static dev.lemica.testing.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LatentLayoutTest {
  @Test
  void framesFirstIsCogVideoXsPermute() {
    try (PointerScope scope = new PointerScope();
        VideoAutoencoder cog = Vaes.load(Golden.dir("cogvideox_vae"), ComputeTarget.CPU_FLOAT32);
        VideoAutoencoder wan = Vaes.load(Golden.dir("wan_vae"), ComputeTarget.CPU_FLOAT32)) {
      Tensor pipeline = torch.randn(2, 5, 4, 3, 6);
      Tensor vae = LatentLayout.FRAMES_FIRST.toVae(pipeline, cog);
      assertArrayEquals(new long[] {2, 4, 5, 3, 6}, Tensors.shape(vae));
      assertEquals(0.0, Tensors.relativeL2(vae.select(2, 3), pipeline.select(1, 3)));
      assertEquals(0.0, Tensors.relativeL2(LatentLayout.FRAMES_FIRST.fromVae(vae), pipeline));
      Tensor channelsFirst = torch.randn(1, 4, 2, 2, 2);
      assertEquals(LatentLayout.CHANNELS_FIRST, wan.pipelineLayout());
      assertEquals(0.0, Tensors.relativeL2(wan.pipelineLayout().toVae(channelsFirst, wan), channelsFirst));
      assertOneLine("latents [2, 4, 5, 3, 6]", "AutoencoderKLCogVideoX expects (B, F, 4, h, w), as its pipelines hold them",
          () -> LatentLayout.FRAMES_FIRST.toVae(torch.randn(2, 4, 5, 3, 6), cog));
      assertOneLine("latents [4, 3, 6]", "AutoencoderKLWan expects (B, 4, F, h, w)", () -> LatentLayout.CHANNELS_FIRST.toVae(torch.randn(4, 3, 6), wan));
    }
  }
}
