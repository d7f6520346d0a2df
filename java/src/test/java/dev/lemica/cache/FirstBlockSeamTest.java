package dev.lemica.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.AfterFirstBlock;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seam's first-block capability on every family's golden model, with no model-specific cache
 * code: running the first block and then the rest is the block stack bit for bit, the first block's
 * output is the head stream of block 0, and under First Block Cache a reused step returns that
 * output plus the rest's residual of the last full step.
 */
class FirstBlockSeamTest {
  /** A small latent (C, F, H, W), or (C, H, W) for the packed image models, and a text length. */
  private static List<Long> latent(String folder) {
    return switch (folder) {
      case "wan" -> List.of(4L, 2L, 4L, 4L);
      case "flux" -> List.of(2L, 4L, 4L);
      case "qwenimage" -> List.of(4L, 4L, 4L);
      case "cogvideox15" -> List.of(4L, 2L, 8L, 8L);
      case "latte" -> List.of(4L, 4L, 8L, 8L);
      case "opensora_stdit3" -> List.of(4L, 3L, 4L, 4L);
      default -> throw new IllegalArgumentException(folder);
    };
  }

  private static ForwardInputs inputs(DiffusionTransformer model, ExampleInputs ex, double scale, double timestep) {
    Map<String, Tensor> in = new HashMap<>(ex.cond());
    in.put(model.latentsInput(), ex.latents().mul(new Scalar(scale)));
    in.put("timestep", model.timestepInput(Tensors.fromFloats(new float[] {(float) timestep}, 1)));
    return ForwardInputs.of(in);
  }

  @ParameterizedTest
  @ValueSource(strings = {"wan", "flux", "qwenimage", "cogvideox15", "latte", "opensora_stdit3"})
  void firstBlockThenTheRestIsTheStack(String folder) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionTransformer model = Models.load(Golden.dir(folder), ComputeTarget.CPU_FLOAT32)) {
      ExampleInputs ex = model.exampleInputs(latent(folder), 4);
      List<String> whole = new ArrayList<>();
      List<String> split = new ArrayList<>();
      model.forward(inputs(model, ex, 1, 500), call -> {
        // Checked inside the hook: the model may free the stack's tensors once its head has read them.
        Tensor all = call.runBlocks(names(whole, null));
        Tensor[] blockZero = new Tensor[1];
        AfterFirstBlock first = call.runFirstBlock(names(split, blockZero));
        assertEquals(Tensors.shapeString(call.hiddenBefore()), Tensors.shapeString(first.hidden()), folder + ": the seam's layout");
        assertEquals(0.0, Tensors.relativeL2(first.hidden(), blockZero[0].reshape(Tensors.shape(first.hidden()))), folder + ": block 0's head stream");
        Tensor rest = first.runRest(names(split, null));
        assertEquals(0.0, Tensors.relativeL2(rest, all), folder + ": first block + rest = the stack");
        return all;
      });
      assertEquals(whole, split, folder + ": the same blocks, under the same indices");
      assertTrue(whole.size() >= 2, folder + " " + whole);
      assertTrue(whole.contains("0") && whole.contains("1"), whole.toString());
    }
  }

  /**
   * Records each block's index (the single-tensor report every stack makes) and, for named stacks,
   * its name; keeps block 0's single-tensor report in {@code zero}.
   */
  private static BlockObserver names(List<String> seen, Tensor[] zero) {
    return new BlockObserver() {
      @Override
      public void blockDone(int index, Tensor output) {
        seen.add(String.valueOf(index));
        if (index == 0 && zero != null) {
          zero[0] = output;
        }
      }

      @Override
      public void blockDone(int index, String block, List<Tensor> outputs) {
        seen.add(block);
        BlockObserver.super.blockDone(index, block, outputs);
      }
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"wan", "latte", "opensora_stdit3"})
  void reusedStepsAreTheFirstBlocksOutputPlusTheRestsResidual(String folder) {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionTransformer model = Models.load(Golden.dir(folder), ComputeTarget.CPU_FLOAT32);
        // A threshold no change reaches: steps 1 and 2 reuse, step 3 (the last) computes.
        ResidualCache cache = new ResidualCache(new FirstBlockCachePolicy(1e9).start(4))) {
      ExampleInputs ex = model.exampleInputs(latent(folder), 4);
      Tensor[] tail = new Tensor[1];
      for (int step = 0; step < 4; step++) {
        try (PointerScope stepScope = new PointerScope()) {
          int s = step;
          BlockStackHook cached = cache.hook(step, "cond");
          Tensor out = model.forward(inputs(model, ex, 1 - 0.2 * step, 900 - 200 * step), call -> {
            // The same computation outside the cache: deterministic, so equal to what the cache sees.
            Tensor head = call.runFirstBlock().hidden();
            if (s == 0) {
              tail[0] = call.runBlocks().sub(head);
              tail[0].retainReference();
            }
            Tensor got = cached.apply(call);
            if (s == 1 || s == 2) {
              // Checked here: the model may free the stack's output once its head has read it.
              assertEquals(0.0, Tensors.relativeL2(got, head.add(tail[0])), 1e-7, folder + " step " + s + ": first block's output + the rest's residual");
            }
            return got;
          });
          Tensor plain = model.forward(inputs(model, ex, 1 - 0.2 * step, 900 - 200 * step));
          if (step == 1 || step == 2) {
            assertTrue(Tensors.relativeL2(out, plain) > 1e-4, folder + " step " + step + ": reuse differs from the plain forward");
          } else {
            assertEquals(0.0, Tensors.relativeL2(out, plain), folder + " step " + step + ": a computing step is the plain forward");
          }
          if (step == 0) {
            assertEquals(0.0, Tensors.relativeL2(cache.residuals().get("cond"), tail[0]), 1e-7, folder + ": the rest's residual is stored");
          }
        }
      }
      tail[0].releaseReference();
      assertEquals(2, cache.computedCalls());
      assertEquals(2, cache.reusedCalls());
    }
  }
}
