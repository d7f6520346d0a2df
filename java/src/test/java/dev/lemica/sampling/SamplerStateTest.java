package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The state design calibration relies on: a snapshot taken at step k continues exactly like the
 * uninterrupted run, snapshots of different runs stacked along the batch continue as those runs,
 * and a multistep sampler's next state shares its history tensors instead of copying them.
 */
class SamplerStateTest {
  static final Device CPU = new Device(torch.DeviceType.CPU);

  static Sampler unipc() {
    return Schedulers.fromConfig(Golden.dir("schedulers/unipc_flow").resolve("scheduler_config.json"), 12, SamplingContext.NONE);
  }

  /** Every state of a run, entering steps 0..N. */
  static List<SamplerState> run(Sampler sampler, Tensor noise) {
    List<SamplerState> states = new ArrayList<>();
    states.add(sampler.start(noise, CPU));
    SyntheticModel model = new SyntheticModel();
    for (int i = 0; i < sampler.steps(); i++) {
      states.add(sampler.step(states.get(i), model, StepListener.NONE));
    }
    return states;
  }

  static void assertSame(Tensor expected, Tensor actual, String what) {
    assertEquals(0.0, Tensors.relativeL2(actual, expected), 0.0, what);
  }

  @Test
  void aUniPCRunRestartedAtAnyStepContinuesExactly() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(3);
      Tensor noise = torch.randn(1, 4, 2, 4, 4);
      Sampler sampler = unipc();
      List<SamplerState> states = run(sampler, noise);
      Tensor full = states.get(sampler.steps()).latents();
      for (int k : new int[] {1, 2, 5, 11}) {
        assertTrue(states.get(k).historyNames().contains("last_sample"), "step " + k + " carries the corrector's sample");
        assertSame(full, sampler.sampleFrom(states.get(k), new SyntheticModel(), StepListener.NONE), "restarted at step " + k);
      }
      // Without its history the run restarts as a fresh scheduler would (first order, no corrector):
      // another trajectory, so the comparisons above can tell.
      try (SamplerState bare = SamplerState.of(5, states.get(5).latents())) {
        Tensor fresh = sampler.sampleFrom(bare, new SyntheticModel(), StepListener.NONE);
        double differs = Tensors.relativeL2(fresh, full);
        System.out.printf("UniPC restarted at step 5 without its history differs by %.3g%n", differs);
        assertTrue(differs > 1e-6, "history matters: " + differs);
      }
      states.forEach(SamplerState::close);
    }
  }

  @Test
  void stackedSnapshotsOfDifferentRunsContinueAsThoseRuns() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(4);
      Tensor a = torch.randn(1, 4, 2, 4, 4);
      Tensor b = torch.randn(2, 4, 2, 4, 4);
      Sampler sampler = unipc();
      List<SamplerState> ra = run(sampler, a);
      List<SamplerState> rb = run(sampler, b);
      try (SamplerState stacked = SamplerState.stack(List.of(ra.get(6), rb.get(6), ra.get(6)))) {
        assertEquals(4, stacked.batch());
        Tensor out = sampler.sampleFrom(stacked, new SyntheticModel(), StepListener.NONE);
        Tensor expected = torch.cat(new TensorVector(ra.get(12).latents(), rb.get(12).latents(), ra.get(12).latents()), 0);
        assertSame(expected, out, "stacked restart");
      }
      assertThrows(IllegalArgumentException.class, () -> SamplerState.stack(List.of(ra.get(6), rb.get(7))));
      ra.forEach(SamplerState::close);
      rb.forEach(SamplerState::close);
    }
  }

  @Test
  void theNextStateSharesTheHistoryItKeeps() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(5);
      List<SamplerState> states = run(unipc(), torch.randn(1, 4, 2, 4, 4));
      for (int i = 2; i < 12; i++) {
        Tensor newest = states.get(i).history("model_output.0");
        Tensor kept = states.get(i + 1).history("model_output.1");
        assertTrue(newest.is_same(kept), "m_" + (i - 1) + " is not copied into the state of step " + (i + 1));
        assertTrue(!newest.is_same(states.get(i + 1).history("model_output.0")));
      }
      states.forEach(SamplerState::close);
    }
  }

  /** A stochastic sampler restarted with the reference's recorded noise continues exactly too. */
  @Test
  void aCogVideoXDPMRunRestartsWithItsRecordedNoise() {
    try (PointerScope scope = new PointerScope();
        RecordedNoise recorded = new RecordedNoise();
        GeneratorNoise generator = NoiseSource.seeded(77)) {
      Sampler dpm = Schedulers.fromConfig(Golden.dir("schedulers/cogvideox_dpm").resolve("scheduler_config.json"), 10, SamplingContext.NONE);
      Tensor noise = generator.next(2, 4, 2, 4, 4);
      List<SamplerState> states = run(dpm.withNoise(recorded.recordingFrom(generator)), noise);
      Tensor full = states.get(10).latents();
      assertTrue(recorded.has(3, 1) && !recorded.has(0, 1) && !recorded.has(9, 1), "two draws in the middle steps, one at the ends");
      Sampler replay = dpm.withNoise(recorded);
      for (int k : new int[] {1, 4, 9}) {
        assertSame(full, replay.sampleFrom(states.get(k), new SyntheticModel(), StepListener.NONE), "restarted at step " + k);
      }
      try (SamplerState twice = SamplerState.stack(List.of(states.get(4), states.get(4)))) {
        Tensor out = replay.sampleFrom(twice, new SyntheticModel(), StepListener.NONE);
        assertSame(torch.cat(new TensorVector(full, full), 0), out, "the recorded noise is tiled over stacked copies");
      }
      Tensor fresh = dpm.withNoise(NoiseSource.seeded(78)).sampleFrom(states.get(4), new SyntheticModel(), StepListener.NONE);
      assertTrue(Tensors.relativeL2(fresh, full) > 1e-3, "other noise, other result: the replay is what makes it exact");
      states.forEach(SamplerState::close);
    }
  }

  @Test
  void aClosedStateRefusesUse() {
    try (PointerScope scope = new PointerScope()) {
      SamplerState s = SamplerState.of(0, torch.zeros(1, 2));
      s.close();
      s.close();
      assertThrows(IllegalStateException.class, s::latents);
    }
  }
}
