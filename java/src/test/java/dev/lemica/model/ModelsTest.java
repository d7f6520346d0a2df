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

  @Test
  void countsWeightBytesWithoutAllocatingThem() {
    // Counted on the meta device: exactly the bytes of the golden checkpoints' tensors.
    for (String folder : new String[] {"wan", "flux", "qwenimage"}) {
      Path dir = Golden.dir(folder);
      long stored;
      try (dev.lemica.safetensors.SafetensorsFile f = dev.lemica.safetensors.SafetensorsFile.open(dir.resolve("diffusion_pytorch_model.safetensors"))) {
        stored = f.names().stream().mapToLong(n -> f.describe(n).byteLength()).sum();
      }
      long counted = Models.weightBytes(ModelConfig.read(dir.resolve("config.json")), org.bytedeco.pytorch.global.torch.ScalarType.Float);
      org.junit.jupiter.api.Assertions.assertEquals(stored, counted, folder);
    }
    // The released sizes in bf16: FLUX.1-dev 11.9 B parameters, Qwen-Image 20.4 B.
    double flux = Models.weightBytes(Models.preset("flux.1-dev"), org.bytedeco.pytorch.global.torch.ScalarType.BFloat16) / 2e9;
    double qwen = Models.weightBytes(Models.preset("qwen-image"), org.bytedeco.pytorch.global.torch.ScalarType.BFloat16) / 2e9;
    assertTrue(flux > 11.8 && flux < 12.0, "FLUX.1-dev parameters (billions) " + flux);
    assertTrue(qwen > 20.3 && qwen < 20.5, "Qwen-Image parameters (billions) " + qwen);
  }
}
