package dev.lemica.pipeline.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cli.CliRunner;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.ModelIndex;
import dev.lemica.pipeline.Residency;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --text-dtype: the text encoder in its own precision, the rest in the compute dtype. */
class TextDtypeTest {
  private static final Path FOLDER = Golden.dir("wan_pipeline_tiny");

  @TempDir Path dir;

  private static Tensor promptEmbeds(ComputeTarget target) {
    try (WanPipeline p = WanPipeline.open(ModelIndex.read(FOLDER), target, Residency.KEEP)) {
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("a red fox runs through snow")));
      Conditioning c = p.encode(s);
      Tensor cond = c.cond().get("encoder_hidden_states");
      assertEquals(target.dtype().value, cond.scalar_type().value, "handed to the transformer in the compute dtype");
      Tensor kept = cond.to(ScalarType.Float).clone();
      kept.retainReference();
      return kept;
    }
  }

  @Test
  void theTextEncoderRunsInItsOwnDtype() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor fp32 = promptEmbeds(ComputeTarget.CPU_FLOAT32);
      Tensor mixed = promptEmbeds(ComputeTarget.CPU_FLOAT32.withTextDtype("bfloat16"));
      Tensor bf16 = promptEmbeds(new ComputeTarget("cpu", ScalarType.BFloat16));
      assertEquals(0.0, Tensors.relativeL2(mixed, bf16), "the same bf16 encoder as an all-bf16 run");
      double d = Tensors.relativeL2(mixed, fp32);
      assertTrue(d > 1e-6 && d < 5e-2, "bf16 rounding, not another encoder: " + d);
    }
  }

  @Test
  void theCliTakesItAndReportsIt() {
    CliRunner r = CliRunner.run("generate", "--model", FOLDER.toString(), "--prompt", "a red fox", "--steps", "2", "--text-dtype", "bf16",
        "--height", "32", "--width", "48", "--frames", "5", "--out", dir.resolve("x.mp4").toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    CliRunner bad = CliRunner.run("generate", "--model", FOLDER.toString(), "--prompt", "a red fox", "--steps", "2", "--text-dtype", "int8",
        "--out", dir.resolve("y.mp4").toString());
    bad.assertOneLineError(dir.resolve("y.mp4"), "--text-dtype int8", "float32, bfloat16 or float16");
  }
}
