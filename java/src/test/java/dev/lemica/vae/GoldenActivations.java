package dev.lemica.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.torch.Tensors;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Compares a VAE's observed intermediate results with a golden's {@code act.*} tensors as they are
 * made (they die with their chunk). Goldens of frame-wise VAEs hold each activation once, the calls'
 * outputs concatenated along dim 0 ({@code act.decoder.conv_in} = chunk0 ++ chunk1 ...), so each
 * observed chunk is compared with the next rows of the golden tensor and the squared errors summed:
 * the result is the relative L2 of the whole concatenation.
 */
public final class GoldenActivations implements VaeObserver {
  private static final Pattern CHUNK = Pattern.compile("\\.chunk\\d+$");

  private final SafetensorsFile io;
  /** Per golden name: squared error, squared reference, rows compared so far. */
  private final Map<String, double[]> sums = new TreeMap<>();

  public GoldenActivations(SafetensorsFile io) {
    this.io = io;
  }

  @Override
  public void observe(String name, Tensor value) {
    String key = "act." + CHUNK.matcher(name).replaceFirst("");
    if (!io.has(key)) {
      return;
    }
    double[] s = sums.computeIfAbsent(key, k -> new double[3]);
    Tensor reference = io.tensor(key);
    Tensor rows = reference.narrow(0, (long) s[2], value.size(0)).to(ScalarType.Double);
    assertArrayEquals(Tensors.shape(rows), Tensors.shape(value), key);
    Tensor ours = value.to(ScalarType.Double);
    s[0] += ours.sub(rows).square().sum().item_double();
    s[1] += rows.square().sum().item_double();
    s[2] += value.size(0);
  }

  /** The relative L2 error of every golden activation seen so far. */
  public Map<String, Double> errors() {
    Map<String, Double> errors = new TreeMap<>();
    sums.forEach((name, s) -> errors.put(name, Math.sqrt(s[0] / s[1])));
    return errors;
  }

  /**
   * Every golden tensor whose name starts with one of {@code prefixes} was seen whole (all its rows),
   * and each is within {@code tolerance}; returns the largest error.
   */
  public double assertAllClose(double tolerance, String... prefixes) {
    TreeSet<String> expected = new TreeSet<>();
    for (String n : io.names()) {
      for (String p : prefixes) {
        if (n.startsWith(p)) {
          expected.add(n);
        }
      }
    }
    assertEquals(expected, new TreeSet<>(sums.keySet()), "every golden activation is compared");
    double worst = 0;
    for (String name : expected) {
      assertEquals(io.tensor(name).size(0), (long) sums.get(name)[2], name + ": every row compared");
      double err = errors().get(name);
      assertTrue(err < tolerance, name + " relative L2 " + err);
      worst = Math.max(worst, err);
    }
    return worst;
  }
}
