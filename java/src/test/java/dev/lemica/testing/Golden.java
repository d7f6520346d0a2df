package dev.lemica.testing;

import dev.lemica.model.ForwardInputs;
import dev.lemica.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
    Map<String, Tensor> in = new LinkedHashMap<>();
    for (String name : io.names()) {
      if (name.startsWith("in.")) {
        in.put(name.substring(3), io.tensor(name));
      }
    }
    return ForwardInputs.of(in);
  }
}
