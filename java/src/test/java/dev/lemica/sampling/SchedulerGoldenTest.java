package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * Every scheduler golden (diffusers' and Open-Sora's own scheduler files run in Python on the
 * synthetic model): timesteps and schedules exactly, every step's sample within 1e-6 relative L2.
 */
class SchedulerGoldenTest {
  static final double TOLERANCE = 1e-6;

  static Path dir(String name) {
    return Golden.dir("schedulers/" + name);
  }

  static double[] doubles(Tensor t) {
    Tensor d = t.to(new Device(torch.DeviceType.CPU), ScalarType.Double).contiguous();
    double[] out = new double[(int) d.numel()];
    new DoublePointer(d.const_data_ptr()).capacity(out.length).get(out);
    return out;
  }

  /**
   * Runs the sampler over the golden's steps with the synthetic model and checks every model input
   * timestep, model output and sample; returns the largest relative L2 of a sample.
   */
  static double runAndCompare(String name, Sampler sampler, SafetensorsFile io) {
    int n = sampler.steps();
    double[] timesteps = doubles(io.tensor("out.timesteps"));
    assertEquals(timesteps.length, n, name + ": step count");
    for (int i = 0; i < n; i++) {
      assertEquals(timesteps[i], sampler.timestep(i), 0.0, name + ": timestep " + i);
    }
    SyntheticModel model = new SyntheticModel();
    double worst = 0;
    SamplerState state = sampler.start(io.tensor("in.noise"), new Device(torch.DeviceType.CPU));
    for (int i = 0; i < n; i++) {
      SamplerState next = sampler.step(state, model, StepListener.NONE);
      state.close();
      state = next;
      double outErr = Tensors.relativeL2(Tensors.fromFloats(model.outputs.get(i), Tensors.shape(state.latents())), io.tensor("model_out." + i));
      double err = Tensors.relativeL2(state.latents(), io.tensor("traj." + i));
      assertTrue(err <= TOLERANCE, name + ": traj." + i + " relative L2 " + err + " (model output " + outErr + ")");
      worst = Math.max(worst, err);
    }
    double finalErr = Tensors.relativeL2(state.latents(), io.tensor("out.sample"));
    assertTrue(finalErr <= TOLERANCE, name + ": out.sample relative L2 " + finalErr);
    state.close();
    System.out.printf(Locale.ROOT, "golden %-22s %-72s max traj rel L2 %.3g, out.sample %.3g%n", name, sampler.describe(), worst, finalErr);
    return worst;
  }

  static void assertFloatsEqual(String what, double[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < actual.length; i++) {
      assertEquals((float) expected[i], actual[i], 0f, what + "[" + i + "]");
    }
  }

  @Test
  void uniPCFlowOfWan() {
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir("unipc_flow").resolve("io.safetensors"))) {
      UniPCMultistep sampler = (UniPCMultistep) Schedulers.fromConfig(dir("unipc_flow").resolve("scheduler_config.json"), 12, SamplingContext.NONE);
      assertFloatsEqual("sigmas", doubles(io.tensor("out.sigmas")), sampler.sigmas());
      assertEquals("UniPCMultistepScheduler(order 2, bh2, flow_shift 3.0)", sampler.describe());
      int[] orders = new int[12];
      for (int i = 0; i < 12; i++) {
        orders[i] = sampler.predictorOrder(i);
      }
      assertArrayEquals(new int[] {1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1}, orders, "predictor orders (meta.json step_info)");
      runAndCompare("unipc_flow", sampler, io);
    }
  }

  @Test
  void flowMatchEulerStaticShiftShiftsTwice() {
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir("flow_euler_static").resolve("io.safetensors"))) {
      FlowMatchEuler sampler = (FlowMatchEuler) Schedulers.fromConfig(dir("flow_euler_static").resolve("scheduler_config.json"), 10, SamplingContext.NONE);
      double[] sigmas = doubles(io.tensor("out.sigmas"));
      for (int i = 0; i < sigmas.length; i++) {
        assertEquals((float) sigmas[i], (float) sampler.sigmas().sigma(i), 0f, "sigma " + i);
      }
      runAndCompare("flow_euler_static", sampler, io);
    }
  }

  @Test
  void flowMatchEulerOfFlux() {
    dynamicShift("flow_euler_flux", 0.63);
  }

  @Test
  void flowMatchEulerOfQwenImageStretchesToItsTerminalSigma() {
    dynamicShift("flow_euler_qwenimage", 0.5387096774193548);
  }

  private static void dynamicShift(String name, double mu) {
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir(name).resolve("io.safetensors"))) {
      assertEquals(mu, doubles(io.tensor("in.mu"))[0], 0.0);
      double[] passed = doubles(io.tensor("in.sigmas_arg"));
      assertArrayEquals(passed, SamplingContext.decreasingToOneOverN(8), 0.0, "the pipeline's sigmas");
      SamplingContext context = SamplingContext.NONE.withSigmas(passed).withImageSeqLen(1024);
      FlowMatchEuler sampler = (FlowMatchEuler) Schedulers.fromConfig(dir(name).resolve("scheduler_config.json"), 8, context);
      assertTrue(sampler.describe().contains("mu " + mu), sampler.describe());
      double[] sigmas = doubles(io.tensor("out.sigmas"));
      for (int i = 0; i < sigmas.length; i++) {
        assertEquals((float) sigmas[i], (float) sampler.sigmas().sigma(i), 0f, name + " sigma " + i);
      }
      runAndCompare(name, sampler, io);
    }
  }

  @Test
  void cogVideoXDDIM() {
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir("cogvideox_ddim").resolve("io.safetensors"))) {
      CogVideoXDDIM sampler = (CogVideoXDDIM) Schedulers.fromConfig(dir("cogvideox_ddim").resolve("scheduler_config.json"), 10, SamplingContext.NONE);
      // float64, but torch's linspace fills vector lanes whose width depends on the CPU: ~1e-13
      // relative where ᾱ is tiny near t = 999 (the golden's own NumPy check found the same 6.7e-14).
      assertAlphas("cogvideox_ddim", doubles(io.tensor("out.alphas_cumprod")), sampler.alphasCumprod(), 1e-12);
      runAndCompare("cogvideox_ddim", sampler, io);
    }
  }

  @Test
  void cogVideoXDPMWithTheRecordedStepNoise() {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(dir("cogvideox_dpm").resolve("io.safetensors"));
        RecordedNoise noise = recordedStepNoise(io, 10)) {
      CogVideoXDPM sampler = (CogVideoXDPM) Schedulers.fromConfig(
          dir("cogvideox_dpm").resolve("scheduler_config.json"), 10, SamplingContext.NONE.withNoise(noise));
      assertTrue(sampler.isStochastic());
      assertAlphas("cogvideox_dpm", doubles(io.tensor("out.alphas_cumprod")), sampler.alphasCumprod(), 1e-12);
      runAndCompare("cogvideox_dpm", sampler, io);
    }
  }

  /** The generator that drew in.noise, continued, draws the golden's step noise: the default source matches Python. */
  @Test
  void cogVideoXDPMWithTheSeededGeneratorLikeThePipeline() {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(dir("cogvideox_dpm").resolve("io.safetensors"));
        GeneratorNoise generator = NoiseSource.seeded(1106)) {
      Tensor initial = generator.next(Tensors.shape(io.tensor("in.noise")));
      assertEquals(0.0, Tensors.relativeL2(initial, io.tensor("in.noise")), 0.0, "in.noise from seed 1106");
      Sampler sampler = Schedulers.fromConfig(dir("cogvideox_dpm").resolve("scheduler_config.json"), 10, SamplingContext.NONE.withNoise(generator));
      runAndCompare("cogvideox_dpm (seeded)", sampler, io);
    }
  }

  static RecordedNoise recordedStepNoise(SafetensorsFile io, int steps) {
    RecordedNoise noise = new RecordedNoise();
    for (int i = 0; i < steps; i++) {
      if (io.names().contains("in.step_noise_discarded." + i)) {
        noise.put(i, 0, io.tensor("in.step_noise_discarded." + i));
        noise.put(i, 1, io.tensor("in.step_noise." + i));
      } else {
        noise.put(i, 0, io.tensor("in.step_noise." + i));
      }
    }
    return noise;
  }

  @Test
  void ddimOfLatte() {
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir("ddim_latte").resolve("io.safetensors"))) {
      DDIM sampler = (DDIM) Schedulers.fromConfig(dir("ddim_latte").resolve("scheduler_config.json"), 10, SamplingContext.NONE);
      // torch's float32 linspace fills in vector lanes whose width depends on the CPU: allow float rounding.
      assertAlphas("ddim_latte", doubles(io.tensor("out.alphas_cumprod")), sampler.alphasCumprod(), 1e-6);
      runAndCompare("ddim_latte", sampler, io);
    }
  }

  @Test
  void rectifiedFlowOfOpenSora() {
    try (PointerScope scope = new PointerScope(); SafetensorsFile io = SafetensorsFile.open(dir("rflow_opensora").resolve("io.safetensors"))) {
      SamplingContext video = SamplingContext.NONE.withVideo(240, 426, 51);
      RectifiedFlow sampler = (RectifiedFlow) Schedulers.fromConfig(dir("rflow_opensora").resolve("scheduler_config.json"), 10, video);
      assertFloatsEqual("dt", doubles(io.tensor("out.dt")), sampler.dt());
      runAndCompare("rflow_opensora", sampler, io);

      Sampler bf16 = Schedulers.fromConfig(
          dir("rflow_opensora").resolve("scheduler_config.json"), 10, video.withConditioningDtype(ScalarType.BFloat16));
      double[] expected = doubles(io.tensor("aux.timesteps_if_bf16_model_kwargs"));
      for (int i = 0; i < 10; i++) {
        assertEquals(expected[i], bf16.timestep(i), 0.0, "bf16-kwargs timestep " + i);
      }
    }
  }

  private static void assertAlphas(String name, double[] expected, double[] actual, double relative) {
    assertEquals(expected.length, actual.length);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double scale = Math.max(Math.abs(expected[i]), 1e-30);
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / scale);
      if (expected[i] == 0) {
        assertEquals(0.0, actual[i], 0.0, name + " alphas_cumprod[" + i + "]");
      }
    }
    System.out.printf(Locale.ROOT, "golden %-22s alphas_cumprod max relative difference %.3g%n", name, worst);
    assertTrue(worst <= relative, name + " alphas_cumprod differ by " + worst);
  }
}
