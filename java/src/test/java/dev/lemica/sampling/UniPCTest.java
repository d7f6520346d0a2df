package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * UniPC beyond the Wan golden: settings it does not cover against the independent float64 NumPy
 * reference (tools/reference/unipc_np.py, batch 2), and first order without the corrector, which is
 * exactly flow-matching Euler on the same sigmas.
 */
class UniPCTest {
  @ParameterizedTest
  @ValueSource(strings = {"order3_bh2_shift5", "order2_bh1_sigma_min", "noise_form_v_prediction", "order2_no_lower_order_final"})
  void matchesTheFloat64Reference(String name) {
    Path dir = Golden.dir("unipc-variants/" + name);
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir.resolve("io.safetensors"))) {
      double[] timesteps = SchedulerGoldenTest.doubles(io.tensor("out.timesteps"));
      SamplingContext context = io.names().contains("in.sigmas_arg")
          ? SamplingContext.NONE.withSigmas(SchedulerGoldenTest.doubles(io.tensor("in.sigmas_arg")))
          : SamplingContext.NONE;
      UniPCMultistep sampler = (UniPCMultistep) Schedulers.fromConfig(dir.resolve("scheduler_config.json"), timesteps.length, context);
      SchedulerGoldenTest.assertFloatsEqual(name + " sigmas", SchedulerGoldenTest.doubles(io.tensor("out.sigmas")), sampler.sigmas());
      for (int i = 0; i < timesteps.length; i++) {
        assertEquals(timesteps[i], sampler.timestep(i), 0.0, name + " timestep " + i);
      }
      SyntheticModel model = new SyntheticModel();
      SamplerState state = sampler.start(io.tensor("in.noise"), new Device(torch.DeviceType.CPU));
      double worst = 0;
      for (int i = 0; i < timesteps.length; i++) {
        SamplerState next = sampler.step(state, model, StepListener.NONE);
        state.close();
        state = next;
        double err = Tensors.relativeL2(state.latents(), io.tensor("traj." + i));
        worst = Math.max(worst, err);
        assertTrue(err < 1e-6, name + " traj." + i + " relative L2 " + err);
      }
      state.close();
      System.out.printf(Locale.ROOT, "unipc-variants %-28s %-90s max rel L2 vs float64 %.3g%n", name, sampler.describe(), worst);
    }
  }

  /**
   * With order 1 and the corrector off, UniPC's x0-form step (σ_t/σ_s)·x − α_t(e^{−h} − 1)·(x − σ_s·v)
   * reduces to x + (σ_t − σ_s)·v, since e^{−h} = α_s·σ_t / (σ_s·α_t): flow Euler on UniPC's sigmas.
   */
  @Test
  void firstOrderWithoutCorrectorIsFlowEuler() throws Exception {
    ObjectNode c = (ObjectNode) StrictJson.parse(Files.readAllBytes(Golden.dir("schedulers/unipc_flow").resolve("scheduler_config.json")), "config");
    c.put("solver_order", 1);
    c.putArray("disable_corrector").add(0).add(1).add(2).add(3).add(4).add(5).add(6).add(7).add(8).add(9);
    UniPCMultistep unipc = (UniPCMultistep) Schedulers.fromConfig(
        SchedulerConfig.parse(StrictJson.write(c).getBytes(StandardCharsets.UTF_8), "order 1"), 10, SamplingContext.NONE);
    float[] sigmas = unipc.sigmas();
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(5);
      Tensor noise = torch.randn(2, 3, 4);
      Tensor x = noise.clone();
      SyntheticModel model = new SyntheticModel();
      for (int i = 0; i < 10; i++) {
        float[] v = SyntheticModel.evaluate(Tensors.toFloats(x), unipc.timestep(i));
        x = x.add(Tensors.fromFloats(v, 2, 3, 4).mul(new org.bytedeco.pytorch.Scalar(sigmas[i + 1] - sigmas[i])));
      }
      Tensor ours = unipc.sample(noise, model, StepListener.NONE);
      double err = Tensors.relativeL2(ours, x);
      System.out.printf(Locale.ROOT, "unipc order 1 without corrector vs Euler: rel L2 %.3g%n", err);
      assertTrue(err < 1e-6, "order-1 UniPC differs from Euler by " + err);
      assertArrayEquals(new int[] {1, 1, 1}, new int[] {unipc.predictorOrder(0), unipc.predictorOrder(5), unipc.predictorOrder(9)});
    }
  }
}
