package dev.lemica.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model folder that does not fit the implementation is refused with the file and the reason. */
class ModelsTest {
  @TempDir Path dir;

  private Path goldenCopyWithConfig(String config) throws IOException {
    Files.copy(Golden.dir("wan").resolve("diffusion_pytorch_model.safetensors"), dir.resolve("diffusion_pytorch_model.safetensors"), StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("config.json"), config);
    return dir;
  }

  private String configWith(String from, String to) throws IOException {
    String c = Files.readString(Golden.dir("wan").resolve("config.json"));
    assertTrue(c.contains(from), from);
    return c.replace(from, to);
  }

  private String failure(Path folder) {
    Exception e = assertThrows(IllegalArgumentException.class, () -> Models.load(folder, ComputeTarget.CPU_FLOAT32).close());
    return e.getMessage();
  }

  @Test
  void refusesAnUnknownClass() throws IOException {
    String m = failure(goldenCopyWithConfig(configWith("\"WanTransformer3DModel\"", "\"SomethingElse\"")));
    assertTrue(m.contains("config.json: _class_name 'SomethingElse' is not supported"), m);
  }

  @Test
  void refusesAMissingKey() throws IOException {
    String m = failure(goldenCopyWithConfig(configWith("\"ffn_dim\"", "\"ffn_dim_typo\"")));
    assertTrue(m.contains("config.json: missing key \"ffn_dim\""), m);
  }

  @Test
  void refusesAConfigThatDisagreesWithTheWeights() throws IOException {
    String m = failure(goldenCopyWithConfig(configWith("\"num_layers\": 2", "\"num_layers\": 3")));
    assertTrue(m.contains("checkpoint lacks tensor 'blocks.2."), m);
    m = failure(goldenCopyWithConfig(configWith("\"ffn_dim\": 64", "\"ffn_dim\": 65")));
    assertTrue(m.contains("has shape [64, 32] but config.json implies [65, 32]"), m);
  }

  @Test
  void refusesImageToVideoVariants() throws IOException {
    String m = failure(goldenCopyWithConfig(configWith("\"image_dim\": null", "\"image_dim\": 1280")));
    assertTrue(m.contains("image-to-video"), m);
  }

  @Test
  void refusesMalformedConfigJson() throws IOException {
    String m = failure(goldenCopyWithConfig("{\"_class_name\": "));
    assertTrue(m.contains("config.json: malformed JSON"), m);
  }
}
