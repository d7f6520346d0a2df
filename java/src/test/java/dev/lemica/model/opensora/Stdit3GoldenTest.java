package dev.lemica.model.opensora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fp32 CPU output and every block activation equal Open-Sora's STDiT3 (opensora_stdit3, and the raw
 * model outputs of the whole tiny pipeline) and the float64 reference's variants within 1e-5.
 */
class Stdit3GoldenTest {
  static final double TOLERANCE = 1e-5;

  @ParameterizedTest
  @ValueSource(strings = {"opensora_stdit3", "opensora_stdit3-variant", "opensora_stdit3-masked"})
  void matchesReferenceOutputAndEveryBlock(String folder) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir(folder).resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir(folder), ComputeTarget.CPU_FLOAT32)) {
      assertEquals("STDiT3", model.className());
      Map<String, Tensor> recorded = new TreeMap<>();
      Tensor out = model.forward(Golden.inputs(io), call -> call.runBlocks(Golden.recorder(recorded)));
      System.out.println(folder + " relative L2: " + Golden.assertMatches(io, recorded, out, TOLERANCE, folder));
      assertEquals(model.blockCount(), recorded.size());
    }
  }

  /** bf16 runs the same model in the compute dtype (rotary tables stay float32): close to the fp32 reference. */
  @Test
  void runsInBfloat16() {
    String folder = "opensora_stdit3-masked";
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir(folder).resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir(folder), new ComputeTarget("cpu", torch.ScalarType.BFloat16))) {
      Tensor out = model.forward(Golden.inputs(io));
      assertEquals(torch.ScalarType.Float.value, out.scalar_type().value, "the output is cast to float32 as Open-Sora does");
      double err = Tensors.relativeL2(out, io.tensor("out.sample"));
      System.out.println(folder + " bf16 out.sample relative L2 " + err);
      assertTrue(err < 3e-2, "bf16 relative L2 " + err);
    }
  }

  /**
   * Steps' 2B CFG calls of the pipeline golden (cond rows then null-caption rows, one mask of B
   * rows for both, text lengths 18 and 17, odd 4x5 latent, the all-true x_mask), on the pipeline
   * folder whose transformer config names the class by transformers' {@code architectures} only.
   */
  @Test
  void matchesEveryStepOfTheOpenSoraPipeline() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_pipeline_tiny").resolve("io.safetensors"));
        DiffusionTransformer model = Models.load(Golden.dir("opensora_pipeline_tiny"), ComputeTarget.CPU_FLOAT32)) {
      float[] timesteps = Tensors.toFloats(io.tensor("out.timesteps"));
      Tensor xMasks = io.tensor("out.x_mask");
      // The first steps (t = 1000 and its neighbour: the most sensitive sinusoid), one inside, the last.
      for (int i : new int[] {0, 1, 4, timesteps.length - 1}) {
        try (PointerScope step = new PointerScope()) {
          Tensor z = i == 0 ? io.tensor("in.noise") : io.tensor("traj." + (i - 1));
          Map<String, Tensor> in = PipelineInputs.batched(io, torch.cat(new TensorVector(z, z), 0), timesteps[i]);
          in.put(Stdit3Transformer.X_MASK, xMasks.select(0, i));
          double err = Tensors.relativeL2(model.forward(ForwardInputs.of(in)), io.tensor("model_out." + i));
          assertTrue(err < TOLERANCE, "model_out." + i + " relative L2 " + err);
          System.out.println("opensora_pipeline_tiny model_out." + i + " relative L2 " + err);
        }
      }
    }
  }

  /** The golden's inputs under the forward's names. */
  static final class PipelineInputs {
    private PipelineInputs() {}

    /** The conditional branch of B samples: T5 embeddings, mask, fps and pixel size. */
    static Map<String, Tensor> cond(SafetensorsFile io) {
      Tensor y = io.tensor("out.y");
      long b = io.tensor("out.mask").size(0);
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put(Stdit3Transformer.Y, y.narrow(0, 0, b));
      in.put(Stdit3Transformer.MASK, io.tensor("out.mask"));
      in.put(Stdit3Transformer.FPS, io.tensor("out.model_args.fps"));
      in.put(Stdit3Transformer.HEIGHT, io.tensor("out.model_args.height"));
      in.put(Stdit3Transformer.WIDTH, io.tensor("out.model_args.width"));
      return in;
    }

    /** Open-Sora's one 2B call: y = cat(cond, null caption), mask / fps / size of B rows. */
    static Map<String, Tensor> batched(SafetensorsFile io, Tensor x, float timestep) {
      Map<String, Tensor> in = cond(io);
      in.put(Stdit3Transformer.Y, io.tensor("out.y"));
      in.put(Stdit3Transformer.X, x);
      in.put(Stdit3Transformer.TIMESTEP, torch.full(new long[] {x.size(0)}, new org.bytedeco.pytorch.Scalar(timestep), new org.bytedeco.pytorch.DimnameListOptional(), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)));
      return in;
    }
  }
}
