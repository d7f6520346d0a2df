package dev.lemica.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.cogvideox.CogVideoXConfig;
import dev.lemica.model.cogvideox.CogVideoXFlops;
import dev.lemica.model.latte.LatteConfig;
import dev.lemica.model.latte.LatteFlops;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** What {@code bench} asks of CogVideoX and Latte: made-up inputs that run, their token and FLOP counts. */
class VideoExampleInputsTest {
  @Test
  void cogVideoXInputsRunAndCountTheirFlops() {
    ModelConfig config = ModelConfig.read(Golden.dir("cogvideox15-variant").resolve("config.json"));
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionTransformer model = Models.withRandomWeights(config, ComputeTarget.CPU_FLOAT32, 0)) {
      ExampleInputs ex = model.exampleInputs(List.of(5L, 4L, 8L, 12L), 7);
      assertEquals(List.of(1L, 4L, 5L, 8L, 12L), List.of(Tensors.shape(ex.latents())[0], ex.latents().size(1), ex.latents().size(2), ex.latents().size(3), ex.latents().size(4)));
      assertEquals(2 * 4 * 6, ex.tokens());
      assertEquals(6.0, ex.guidance());
      Tensor out = forward(model, ex);
      assertEquals("[1, 4, 6, 8, 12]", Tensors.shapeString(out), "out_channels 6 in the latents' layout");
      // Independent count: every linear of a block over the joint sequence, plus q·kᵀ and attention·v.
      CogVideoXConfig c = CogVideoXConfig.from(config);
      double s = ex.tokens() + 7;
      double d = c.dim();
      double linears = 2 * s * (3 * d * d + d * d + d * 4 * d + 4 * d * d);
      double expected = c.layers() * (linears + 2 * 2 * s * s * d);
      assertEquals(expected, ex.blockStackFlops(), 1e-9 * expected);
      assertEquals(expected, CogVideoXFlops.blockStack(c, ex.tokens(), 7), 1e-9 * expected);
      assertTrue(ex.forwardFlops() > ex.blockStackFlops());
      assertEquals(List.of(5L, 2L, 2L, 2L), model.oneTokenLatentShape());
      assertEquals(1, model.exampleInputs(model.oneTokenLatentShape(), 3).tokens());
      assertThrows(IllegalArgumentException.class, () -> model.exampleInputs(List.of(5L, 3L, 8L, 12L), 7));
      assertThrows(IllegalArgumentException.class, () -> model.exampleInputs(List.of(5L, 4L, 8L, 40L), 7), "beyond the rotary table");
    }
  }

  @Test
  void latteInputsRunAndCountTheirFlops() {
    ModelConfig config = ModelConfig.read(Golden.dir("latte-variant").resolve("config.json"));
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionTransformer model = Models.withRandomWeights(config, ComputeTarget.CPU_FLOAT32, 0)) {
      ExampleInputs ex = model.exampleInputs(List.of(3L, 3L, 8L, 12L), 6);
      assertEquals(3 * 4 * 6, ex.tokens());
      assertEquals(7.5, ex.guidance());
      Tensor out = forward(model, ex);
      assertEquals(6, out.size(1), "learned sigma: twice the channels");
      LatteConfig c = LatteConfig.from(config);
      double d = c.dim();
      double f = 3;
      double n = 24;
      double l = 6;
      double ff = 2 * f * n * (d * 8 * d + 4 * d * d); // geglu: the first linear is twice as wide
      double spatial = 2 * f * n * 4 * d * d + 4 * f * n * n * d // self-attention: projections, q·kᵀ and ·v
          + 2 * f * (2 * n * d * d + 2 * l * d * d) + 4 * f * n * l * d + ff;
      double temporal = 2 * n * f * 4 * d * d + 4 * n * f * f * d + ff;
      double expected = c.layers() * (spatial + temporal);
      assertEquals(expected, ex.blockStackFlops(), 1e-9 * expected);
      assertEquals(expected, LatteFlops.blockStack(c, 3, 24, 6, true), 1e-9 * expected);
      assertEquals(1, model.exampleInputs(model.oneTokenLatentShape(), 3).tokens());
      assertThrows(IllegalArgumentException.class, () -> model.exampleInputs(List.of(3L, 2L, 8L, 12L), 6), "video_length is 3");
    }
  }

  @Test
  void typicalLatentsAreTheReleasesDefaults() {
    assertEquals(List.of(16L, 22L, 96L, 170L), shapeOf("cogvideox1.5-5b"));
    assertEquals(List.of(4L, 16L, 64L, 64L), shapeOf("latte-1"));
  }

  private static List<Long> shapeOf(String preset) {
    // The shapes follow from the config alone; no weights are made (the meta device holds none).
    ModelConfig config = Models.preset(preset);
    try (PointerScope scope = new PointerScope();
        DiffusionTransformer model = Models.withRandomWeights(config, new ComputeTarget("meta", org.bytedeco.pytorch.global.torch.ScalarType.BFloat16), 0)) {
      return model.typicalLatentShape();
    }
  }

  private static Tensor forward(DiffusionTransformer model, ExampleInputs ex) {
    Map<String, Tensor> in = new HashMap<>(ex.cond());
    in.put("hidden_states", ex.latents());
    in.put("timestep", Tensors.fromLongs(new long[] {500}, 1));
    return model.forward(ForwardInputs.of(in));
  }
}
