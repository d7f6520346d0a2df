package dev.lemica.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** What the VAE tests check with: inputs, shape-checked errors, and golden activations compared as they are made. */
public final class VaeChecks {
  private VaeChecks() {}

  /** Uniform in [-1, 1): a video or image of that shape. */
  public static Tensor uniform(long... shape) {
    return torch.rand(shape).mul(new Scalar(2.0)).sub(new Scalar(1.0));
  }

  /** The relative L2 error of {@code ours} against {@code reference}, which must have its shape. */
  public static double close(Tensor ours, Tensor reference) {
    assertArrayEquals(Tensors.shape(reference), Tensors.shape(ours));
    return Tensors.relativeL2(ours, reference);
  }

  /**
   * A batch of two runs as the two alone: {@code op} of (a, b) stacked equals {@code op}(a) and {@code
   * op}(b) stacked, within 1e-5 (samples never mix).
   */
  public static void assertBatchOfTwoIsTwoSingles(UnaryOperator<Tensor> op, Tensor a, Tensor b, String what) {
    Tensor both = op.apply(torch.cat(new TensorVector(a, b), 0));
    double err = close(both, torch.cat(new TensorVector(op.apply(a), op.apply(b)), 0));
    assertTrue(err < 1e-5, what + " batch 2 vs singles " + err);
  }

  /**
   * Compares every observed tensor that a golden io file holds as {@code act.<name>} right away (it
   * dies with its chunk), keeping the errors.
   */
  public static final class Activations {
    private final SafetensorsFile io;
    private final Map<String, Double> errors = new TreeMap<>();

    public Activations(SafetensorsFile io) {
      this.io = io;
    }

    public VaeObserver observer() {
      return (name, value) -> {
        String key = "act." + name;
        if (io.has(key)) {
          errors.put(key, Tensors.relativeL2(value, io.tensor(key)));
        }
      };
    }

    public Map<String, Double> errors() {
      return errors;
    }

    /** Every golden tensor whose name starts with one of {@code prefixes} was compared, and each is within {@code tolerance}. */
    public void assertAllClose(double tolerance, String... prefixes) {
      TreeSet<String> expected = new TreeSet<>();
      for (String n : io.names()) {
        if (Arrays.stream(prefixes).anyMatch(n::startsWith)) {
          expected.add(n);
        }
      }
      assertEquals(expected, new TreeSet<>(errors.keySet()), "every golden activation is compared");
      errors.forEach((name, err) -> assertTrue(err < tolerance, name + " relative L2 " + err));
      System.out.println(String.join(", ", prefixes) + " largest relative L2: " + errors.values().stream().mapToDouble(d -> d).max().orElse(0));
    }
  }
}
