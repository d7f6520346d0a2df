package dev.lemica.model.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Models;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The real-size preset and the made-up inputs that speed and memory measurements run on. */
class Stdit3PresetTest {
  @Test
  void thePresetIsStdit3Xl2() {
    ModelConfig preset = Models.preset("opensora-1.2");
    assertEquals("STDiT3", preset.className());
    Stdit3Config c = Stdit3Config.from(preset);
    assertEquals(List.of(1152, 28, 16, 72, 8, 4096, 300, 4608),
        List.of(c.hidden(), c.depth(), c.heads(), c.headDim(), c.outChannels(), c.captionChannels(), c.modelMaxLength(), c.mlpHidden()));
    // 480p 16:9, 51 frames: 15 x 30 x 53 tokens. Each block projects every token with 14·C² weights
    // (qkv, proj, cross q, cross proj, MLP 8C²); spatial attention adds about a fifth.
    double flops = Stdit3Flops.perForward(c, 15, 30 * 53, 300);
    double projections = 2.0 * 15 * 30 * 53 * 14 * 1152.0 * 1152 * 56;
    assertTrue(flops > projections && flops < 1.3 * projections, "flops " + flops + " vs projections " + projections);
  }

  @Test
  void exampleInputsRunThroughTheModel() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionTransformer model =
            Models.withRandomWeights(ModelConfig.read(Golden.dir("opensora_stdit3").resolve("config.json")), ComputeTarget.CPU_FLOAT32, 3)) {
      ExampleInputs example = model.exampleInputs(List.of(4L, 3L, 7L, 8L), 4);
      assertEquals(3 * 4 * 4, example.tokens());
      assertTrue(example.blockStackFlops() > 0 && example.blockStackFlops() < example.forwardFlops());
      assertEquals(7.0, example.guidance());
      for (Map<String, Tensor> branch : List.of(example.cond(), example.uncond())) {
        Map<String, Tensor> in = new LinkedHashMap<>(branch);
        in.put(model.latentsInput(), example.latents());
        in.put(Stdit3Transformer.TIMESTEP, Tensors.fromFloats(new float[] {500f}, 1));
        Tensor out = model.forward(ForwardInputs.of(in));
        assertEquals("[1, 8, 3, 7, 8]", Tensors.shapeString(out));
        assertEquals("[1, 4, 3, 7, 8]", Tensors.shapeString(model.prediction(out)));
      }
      Tensor nullCaption = example.uncond().get(Stdit3Transformer.Y);
      assertEquals("[1, 1, 6, 12]", Tensors.shapeString(nullCaption));
      assertTrue(Tensors.relativeL2(nullCaption, example.cond().get(Stdit3Transformer.Y)) > 0.1);
      assertTrue(
          assertThrowsMessage(() -> model.exampleInputs(List.of(4L, 3L, 8L, 8L), 7)).contains("--text-tokens 7: STDiT3 takes 1 to model_max_length = 6"));
    }
  }

  @Test
  void benchMeasuresItThroughItsExampleInputs() {
    CliRunner r =
        CliRunner.run(
            "bench", "--config", Golden.dir("opensora_stdit3").resolve("config.json").toString(), "--latent", "4,3,8,8",
            "--text-tokens", "5", "--steps", "4", "--budgets", "2", "--repeats", "1", "--no-end-to-end");
    assertEquals(0, r.exitCode(), r.err());
  }

  private static String assertThrowsMessage(org.junit.jupiter.api.function.Executable e) {
    return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e).getMessage();
  }
}
