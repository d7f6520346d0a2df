package dev.lemica.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.BlockObserver;
import dev.lemica.model.ForwardInputs;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/** The golden folders copied into test resources, so tests run where ../shared does not exist. */
public final class Golden {
  private Golden() {}

  public static Path dir(String name) {
    Path p = Path.of("src/test/resources/golden", name);
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("golden folder missing: " + p.toAbsolutePath());
    }
    return p;
  }

  /** The {@code in.*} tensors of an io file, named without the prefix. */
  public static ForwardInputs inputs(SafetensorsFile io) {
    return new ForwardInputs(inTensors(io), null);
  }

  public static Map<String, Tensor> inTensors(SafetensorsFile io) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    for (String name : io.names()) {
      if (name.startsWith("in.")) {
        in.put(name.substring(3), io.tensor(name));
      }
    }
    return in;
  }

  /**
   * An observer that keeps a copy of every block output under the golden files' name:
   * {@code act.<block>} for one output, {@code act.<block>.<k>} for the k-th of several.
   */
  public static BlockObserver recorder(Map<String, Tensor> into) {
    return new BlockObserver() {
      @Override
      public void blockDone(int index, Tensor output) {
        throw new IllegalStateException("block " + index + " ran without a name: a named stack records act.<name>");
      }

      @Override
      public void blockDone(int index, String block, java.util.List<Tensor> outputs) {
        for (int k = 0; k < outputs.size(); k++) {
          into.put("act." + block + (outputs.size() == 1 ? "" : "." + k), outputs.get(k).clone());
        }
      }
    };
  }

  /**
   * Asserts that every {@code act.*} of the io file was recorded and matches within
   * {@code tolerance} relative L2, that nothing else was recorded, and that {@code out} matches
   * {@code out.sample}. Returns the errors by name (for reports).
   */
  public static Map<String, Double> assertMatches(
      SafetensorsFile io, Map<String, Tensor> recorded, Tensor out, double tolerance, String label) {
    Map<String, Double> errors = new TreeMap<>();
    int expected = 0;
    for (String name : io.names()) {
      if (name.startsWith("act.")) {
        expected++;
        Tensor ours = recorded.get(name);
        assertTrue(ours != null, label + ": no block produced " + name + " (recorded " + recorded.keySet() + ")");
        double err = Tensors.relativeL2(ours, io.tensor(name));
        errors.put(name, err);
        assertTrue(err < tolerance, label + " " + name + " relative L2 " + err);
      }
    }
    assertEquals(expected, recorded.size(), label + ": recorded " + recorded.keySet());
    double err = Tensors.relativeL2(out, io.tensor("out.sample"));
    errors.put("out.sample", err);
    assertTrue(err < tolerance, label + " out.sample relative L2 " + err);
    return errors;
  }
}
