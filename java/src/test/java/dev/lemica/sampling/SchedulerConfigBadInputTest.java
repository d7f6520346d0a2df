package dev.lemica.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import dev.lemica.io.Warnings;
import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage scheduler configs end in one line that names the file and the entry. */
class SchedulerConfigBadInputTest {
  @TempDir Path dir;

  private Path write(String json) throws IOException {
    Path f = dir.resolve("scheduler_config.json");
    Files.writeString(f, json);
    return f;
  }

  /** The golden config of {@code golden} with one entry changed. */
  private Path edited(String golden, String key, Object value) throws IOException {
    ObjectNode c = (ObjectNode) StrictJson.parse(Files.readAllBytes(Golden.dir("schedulers/" + golden).resolve("scheduler_config.json")), golden);
    if (value instanceof Boolean b) {
      c.put(key, b);
    } else if (value instanceof Integer i) {
      c.put(key, i);
    } else if (value instanceof Double d) {
      c.put(key, d);
    } else {
      c.put(key, (String) value);
    }
    return write(StrictJson.write(c));
  }

  private String fault(Path file, int steps, SamplingContext context, String... mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.fromConfig(file, steps, context));
    String m = e.getMessage();
    assertTrue(m.startsWith(file.toString() + ": "), m);
    assertFalse(m.contains("\n"), "one line: " + m);
    for (String s : mentions) {
      assertTrue(m.contains(s), "'" + m + "' mentions " + s);
    }
    return m;
  }

  @Test
  void unreadableFiles() throws IOException {
    fault(dir.resolve("missing.json"), 10, SamplingContext.NONE, "no such file");
    fault(write("{\"_class_name\": \"DDIMScheduler\", "), 10, SamplingContext.NONE, "malformed JSON");
    fault(write("[1, 2]"), 10, SamplingContext.NONE, "JSON object");
    fault(write("{\"beta_end\": 0.02}"), 10, SamplingContext.NONE, "_class_name");
    fault(write("{\"_class_name\": 7}"), 10, SamplingContext.NONE, "_class_name");
  }

  @Test
  void anUnknownSchedulerNamesItselfAndTheSupportedOnes() throws IOException {
    fault(write("{\"_class_name\": \"EulerAncestralDiscreteScheduler\"}"), 10, SamplingContext.NONE,
        "EulerAncestralDiscreteScheduler", "UniPCMultistepScheduler", "RFLOW");
  }

  @Test
  void optionValuesThisPortDoesNotImplement() throws IOException {
    fault(edited("unipc_flow", "use_karras_sigmas", true), 12, SamplingContext.NONE, "use_karras_sigmas", "not implemented");
    fault(edited("unipc_flow", "use_flow_sigmas", false), 12, SamplingContext.NONE, "use_flow_sigmas");
    fault(edited("unipc_flow", "solver_type", "bh3"), 12, SamplingContext.NONE, "solver_type", "bh3");
    fault(edited("unipc_flow", "thresholding", true), 12, SamplingContext.NONE, "thresholding");
    fault(edited("unipc_flow", "final_sigmas_type", "one"), 12, SamplingContext.NONE, "final_sigmas_type");
    fault(edited("unipc_flow", "solver_type", "bh1"), 12, SamplingContext.NONE, "bh1", "NaN", "sigma_min");
    fault(edited("flow_euler_static", "stochastic_sampling", true), 10, SamplingContext.NONE, "stochastic_sampling");
    fault(edited("flow_euler_static", "time_shift_type", "cubic"), 10, SamplingContext.NONE, "time_shift_type", "cubic");
    fault(edited("flow_euler_static", "invert_sigmas", true), 10, SamplingContext.NONE, "invert_sigmas");
    fault(edited("ddim_latte", "thresholding", true), 10, SamplingContext.NONE, "thresholding");
    fault(edited("ddim_latte", "beta_schedule", "squaredcos_cap_v2"), 10, SamplingContext.NONE, "beta_schedule", "squaredcos_cap_v2");
    fault(edited("cogvideox_ddim", "timestep_spacing", "uniform"), 10, SamplingContext.NONE, "timestep_spacing", "uniform");
    fault(edited("cogvideox_dpm", "prediction_type", "flow_prediction"), 10, SamplingContext.NONE, "prediction_type");
    fault(edited("rflow_opensora", "type", "iddpm"), 10, SamplingContext.NONE.withVideo(240, 426, 51), "type", "iddpm");
  }

  @Test
  void entriesOfTheWrongType() throws IOException {
    fault(edited("unipc_flow", "solver_order", "two"), 12, SamplingContext.NONE, "solver_order", "integer");
    fault(edited("unipc_flow", "flow_shift", "3"), 12, SamplingContext.NONE, "flow_shift", "number");
    fault(edited("unipc_flow", "lower_order_final", 1), 12, SamplingContext.NONE, "lower_order_final", "true or false");
    fault(edited("unipc_flow", "disable_corrector", "none"), 12, SamplingContext.NONE, "disable_corrector");
    fault(edited("unipc_flow", "solver_order", 0), 12, SamplingContext.NONE, "solver_order");
  }

  @Test
  void whatSetTimestepsNeedsAndDidNotGet() throws IOException {
    Path flux = Golden.dir("schedulers/flow_euler_flux").resolve("scheduler_config.json");
    fault(flux, 8, SamplingContext.NONE, "use_dynamic_shifting", "mu");
    fault(flux, 8, SamplingContext.NONE.withSigmas(new double[] {1, 0.5}).withMu(0.6), "2 sigmas", "8 steps");
    fault(Golden.dir("schedulers/rflow_opensora").resolve("scheduler_config.json"), 10, SamplingContext.NONE, "height, width");
    fault(Golden.dir("schedulers/ddim_latte").resolve("scheduler_config.json"), 1001, SamplingContext.NONE, "num_train_timesteps");
  }

  @Test
  void anEntryTheSchedulerDoesNotTakeIsIgnoredWithAWarning() throws IOException {
    Path f = edited("unipc_flow", "clip_sample", true);
    List<String> warnings = new ArrayList<>();
    Consumer<String> old = Warnings.routeTo(warnings::add);
    try {
      Sampler s = Schedulers.fromConfig(f, 12, SamplingContext.NONE);
      assertEquals(12, s.steps());
    } finally {
      Warnings.routeTo(old);
    }
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("clip_sample") && warnings.get(0).startsWith(f.toString()), warnings.get(0));
  }

  @Test
  void theGoldenConfigsReadWithoutWarnings() {
    List<String> warnings = new ArrayList<>();
    Consumer<String> old = Warnings.routeTo(warnings::add);
    try {
      SamplingContext context = SamplingContext.NONE.withMu(0.6).withVideo(240, 426, 51);
      for (String g : new String[] {"unipc_flow", "flow_euler_static", "flow_euler_flux", "flow_euler_qwenimage", "cogvideox_ddim",
          "cogvideox_dpm", "ddim_latte", "rflow_opensora"}) {
        Schedulers.fromConfig(Golden.dir("schedulers/" + g).resolve("scheduler_config.json"), 8, context);
      }
      Schedulers.fromConfig(Schedulers.wan21UniPC(5.0), 50, SamplingContext.NONE);
    } finally {
      Warnings.routeTo(old);
    }
    assertEquals(List.of(), warnings);
  }
}
